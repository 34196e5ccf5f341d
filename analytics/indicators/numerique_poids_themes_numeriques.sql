-- Indicateur: Poids des thèmes de la vie numérique dans les contacts
-- Axe: Vie numérique
-- Unité: %
-- Définition: parmi les contacts de l'année civile (date locale), part de ceux qui abordent au moins un
--   thème de la vie numérique: "pratiques_numeriques" (pratiques numériques, image) ou "harcelement"
--   (harcèlement, cyberharcèlement). Ventilation par thème: part des contacts abordant ce thème.
-- Name: Weight of digital-life topics in contacts
-- Unit: %
-- Definition: among the contacts of the calendar year (local date), share of those that address at
--   least one digital-life topic: "pratiques_numeriques" (digital practices, image) or
--   "harcelement" (harassment, cyberbullying). Breakdown by topic: share of the contacts addressing
--   that topic.
-- Sources: événements contact (corrigés; les thèmes ne sont dans aucun read model (DESIGN.md §9))
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
c AS (
  SELECT e.event_id, e.department, e.youth, e.themes
  FROM contact e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
),
themed AS (
  SELECT DISTINCT u.event_id, u.theme
  FROM (SELECT event_id, unnest(themes) AS theme FROM c) u
  WHERE u.theme IN ('pratiques_numeriques', 'harcelement')
),
totals AS (SELECT count(*) AS contacts, count(DISTINCT department || '/' || youth) AS youths FROM c)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST((SELECT count(DISTINCT event_id) FROM themed) AS DOUBLE) / CAST(NULLIF(t.contacts, 0) AS DOUBLE) AS valeur,
    t.youths AS jeunes
  FROM totals t
  UNION ALL
  SELECT th.theme, 100 * CAST(count(*) AS DOUBLE) / CAST(NULLIF(max(t.contacts), 0) AS DOUBLE), max(t.youths)
  FROM themed th CROSS JOIN totals t GROUP BY th.theme
) r
ORDER BY ventilation NULLS FIRST
