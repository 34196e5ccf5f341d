-- Indicateur: Jeunes co-accompagnés par au moins 2 structures ou Promeneurs
-- Axe: Pratiques collaboratives
-- Unité: %
-- Définition: parmi les jeunes nommés dans un accompagnement de projet (ouverture ou ajout) pendant
--   l'année civile (date locale de l'événement), part de ceux dont les accompagnements de l'année
--   réunissent au moins 2 structures distinctes ou au moins 2 professionnels distincts (structure et
--   professionnel porteurs, plus les co-accompagnants nommés, tous accompagnements du jeune confondus).
-- Name: Young people co-accompanied by at least 2 structures or Promeneurs du Net
-- Unit: %
-- Definition: among the young people named in a project accompaniment (opening or addition) during
--   the calendar year (local date of the event), share of those whose accompaniments of the year
--   bring together at least 2 distinct structures or at least 2 distinct professionals (lead
--   structure and lead professional, plus the named co-accompanying ones, across all of the young
--   person's accompaniments).
-- Sources: accompaniments (porteurs, co_structures, co_professionals); événements accompaniment
--   (corrigés: aucun read model ne relie un jeune à ses accompagnements, voir DESIGN.md §9)
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
named AS (
  SELECT DISTINCT u.department, u.structure_id, u.accompaniment_id, u.youth
  FROM (SELECT e.department, e.structure_id, e.accompaniment_id, unnest(e.youths) AS youth
        FROM accompaniment e LEFT JOIN retracted x ON x.event_id = e.event_id
        WHERE x.event_id IS NULL AND e.event_type IN ('accompaniment.opened', 'accompaniment.updated')
          AND ($department IS NULL OR e.department = $department)
          AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year) u
),
structures AS (
  SELECT department, structure_id, accompaniment_id, structure_id AS member FROM accompaniments
  UNION ALL
  SELECT u.department, u.structure_id, u.accompaniment_id, u.member
  FROM (SELECT department, structure_id, accompaniment_id, unnest(co_structures) AS member FROM accompaniments) u
),
professionals AS (
  SELECT department, structure_id, accompaniment_id, professional_id AS member FROM accompaniments
  UNION ALL
  SELECT u.department, u.structure_id, u.accompaniment_id, u.member
  FROM (SELECT department, structure_id, accompaniment_id, unnest(co_professionals) AS member FROM accompaniments) u
),
s_counts AS (
  SELECT n.department, n.youth, count(DISTINCT s.member) AS n_structures
  FROM named n JOIN structures s ON s.department = n.department AND s.structure_id = n.structure_id
    AND s.accompaniment_id = n.accompaniment_id
  GROUP BY n.department, n.youth
),
p_counts AS (
  SELECT n.department, n.youth, count(DISTINCT pr.member) AS n_professionals
  FROM named n JOIN professionals pr ON pr.department = n.department AND pr.structure_id = n.structure_id
    AND pr.accompaniment_id = n.accompaniment_id
  GROUP BY n.department, n.youth
),
youths AS (
  SELECT y.department, y.youth,
    coalesce(s.n_structures, 0) >= 2 OR coalesce(q.n_professionals, 0) >= 2 AS co_accompanied
  FROM (SELECT DISTINCT department, youth FROM named) y
  LEFT JOIN s_counts s ON s.department = y.department AND s.youth = y.youth
  LEFT JOIN p_counts q ON q.department = y.department AND q.youth = y.youth
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(count(*) FILTER (WHERE co_accompanied) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  count(*) AS jeunes
FROM youths
ORDER BY ventilation NULLS FIRST
