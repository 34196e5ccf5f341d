-- Indicateur: Communes couvertes par le réseau
-- Axe: Réseau / couverture
-- Unité: communes
-- Définition: nombre de communes distinctes (code INSEE déclaré à l'enregistrement de la structure,
--   dernier événement network.structure_registered non retiré) où se trouve au moins une structure
--   active dans l'année (au moins un contact avec un jeune enregistré par un de ses professionnels).
--   Les structures actives sans enregistrement ne comptent pas.
-- Name: Municipalities covered by the network
-- Unit: municipalities
-- Definition: number of distinct municipalities (INSEE code declared at the registration of the
--   structure, last network.structure_registered event not retracted) where at least one structure
--   active during the year is located (at least one contact with a young person recorded by one of
--   its professionals). Active structures without a registration do not count.
-- Sources: professional_month; événements network (structure_registered, corrigés, voir DESIGN.md §9)
-- Secret statistique: aucun
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
registered AS (
  SELECT r.department, r.structure_id, r.commune
  FROM (SELECT n.department, n.structure_id, n.commune,
          row_number() OVER (PARTITION BY n.department, n.structure_id ORDER BY n.occurred_at DESC, n.event_id DESC) AS latest
        FROM network n LEFT JOIN retracted x ON x.event_id = n.event_id
        WHERE n.event_type = 'network.structure_registered' AND x.event_id IS NULL) r
  WHERE r.latest = 1
),
actives AS (
  SELECT m.department, m.structure_id
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year
  GROUP BY m.department, m.structure_id
  HAVING sum(m.contacts) > 0
),
communes AS (
  SELECT DISTINCT r.commune
  FROM actives a JOIN registered r ON r.department = a.department AND r.structure_id = a.structure_id
  WHERE r.commune IS NOT NULL
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes
FROM communes
ORDER BY ventilation NULLS FIRST
