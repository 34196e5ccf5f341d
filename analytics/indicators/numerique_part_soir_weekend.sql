-- Indicateur: Part des contacts en soirée ou le week-end
-- Axe: Vie numérique
-- Unité: %
-- Définition: parmi les contacts de l'année civile (heure locale du producteur: occurred_at + décalage),
--   part de ceux qui ont lieu en soirée ou la nuit (de 18 h 00 à 5 h 59) ou un samedi ou un dimanche.
--   Ventilations: "soir" (18 h 00 - 5 h 59, tous jours) et "weekend" (samedi ou dimanche, toute heure).
-- Name: Share of contacts in the evening or at the weekend
-- Unit: %
-- Definition: among the contacts of the calendar year (producer's local time: occurred_at +
--   offset), share of those that take place in the evening or at night (from 18:00 to 5:59) or on a
--   Saturday or a Sunday. Breakdowns: "soir" (18:00 - 5:59, every day) and "weekend" (Saturday or
--   Sunday, any time).
-- Sources: événements contact (corrigés; le read model youth_month garde les instants UTC des
--   contacts sans leur décalage horaire (DESIGN.md §9))
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
loc AS (
  SELECT e.department, e.youth,
    to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60) AS local_at
  FROM contact e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
),
c AS (
  SELECT l.department, l.youth,
    CAST(date_part('hour', l.local_at) AS INT) >= 18 OR CAST(date_part('hour', l.local_at) AS INT) < 6 AS soir,
    CAST(date_part('dow', l.local_at) AS INT) IN (0, 6) AS weekend
  FROM loc l
  WHERE CAST(date_part('year', l.local_at) AS INT) = $year
),
youths AS (SELECT count(DISTINCT department || '/' || youth) AS n FROM c)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE soir OR weekend) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    (SELECT n FROM youths) AS jeunes
  FROM c
  UNION ALL
  SELECT 'soir', 100 * CAST(count(*) FILTER (WHERE soir) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), (SELECT n FROM youths) FROM c
  UNION ALL
  SELECT 'weekend', 100 * CAST(count(*) FILTER (WHERE weekend) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), (SELECT n FROM youths) FROM c
) t
ORDER BY ventilation NULLS FIRST
