-- Indicateur: Part des Promeneurs du Net participant aux rencontres du réseau
-- Axe: Pratiques collaboratives
-- Unité: %
-- Définition: parmi les professionnels actifs dans l'année civile (au moins un contact avec un jeune,
--   mois local), part de ceux nommés parmi les participants d'au moins une rencontre du réseau
--   (collaboration de type "network_meeting") tenue dans l'année (date locale). Ventilation par type de
--   collaboration (network_meeting, training, co_project, exchange): part des actifs ayant participé à au
--   moins une collaboration de ce type.
-- Name: Share of Promeneurs du Net taking part in network meetings
-- Unit: %
-- Definition: among the professionals active during the calendar year (at least one contact with a
--   young person, local month), share of those named among the participants of at least one network
--   meeting (collaboration of type "network_meeting") held during the year (local date). Breakdown
--   by collaboration type (network_meeting, training, co_project, exchange): share of the active
--   professionals who took part in at least one collaboration of that type.
-- Sources: professional_month; événements collaboration (corrigés: collaboration_edges ne
--   garde ni le type de collaboration ni les participants isolés, voir DESIGN.md §9)
-- Secret statistique: aucun
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
actifs AS (
  SELECT m.department, m.professional_id
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year
  GROUP BY m.department, m.professional_id
  HAVING sum(m.contacts) > 0
),
participants AS (
  SELECT DISTINCT u.department, u.kind, u.professional_id
  FROM (SELECT e.department, e.kind, unnest(e.participants) AS professional_id
        FROM collaboration e LEFT JOIN retracted x ON x.event_id = e.event_id
        WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
          AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year) u
),
kinds AS (SELECT DISTINCT kind FROM participants),
n AS (SELECT count(*) AS n FROM actifs)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST((SELECT count(*) FROM actifs a WHERE EXISTS (
      SELECT 1 FROM participants q WHERE q.department = a.department AND q.professional_id = a.professional_id
        AND q.kind = 'network_meeting')) AS DOUBLE) / CAST(NULLIF((SELECT n FROM n), 0) AS DOUBLE) AS valeur,
    CAST(NULL AS BIGINT) AS jeunes
  UNION ALL
  SELECT q.kind, 100 * CAST(count(DISTINCT a.department || '/' || a.professional_id) AS DOUBLE) / CAST(NULLIF(max(n.n), 0) AS DOUBLE),
    CAST(NULL AS BIGINT)
  FROM participants q JOIN actifs a ON a.department = q.department AND a.professional_id = q.professional_id
  CROSS JOIN n
  GROUP BY q.kind
) r
ORDER BY ventilation NULLS FIRST
