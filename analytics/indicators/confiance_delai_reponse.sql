-- Indicateur: Délai médian de réponse aux messages des jeunes
-- Axe: Confiance
-- Unité: minutes (médiane)
-- Définition: médiane du délai de réponse déclaré (response_delay_minutes) des contacts de l'année
--   civile (date locale) à l'initiative du jeune pour lesquels ce délai est renseigné (les contacts au
--   format v1 n'en ont pas).
-- Name: Median response time to young people's messages
-- Unit: minutes (median)
-- Definition: median of the declared response time (response_delay_minutes) of the contacts of the
--   calendar year (local date) initiated by the young person for which this time is filled in
--   (contacts in the v1 format do not have one).
-- Sources: événements contact (corrigés; le délai n'est dans aucun read model (DESIGN.md §9))
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
c AS (
  SELECT e.department, e.youth, CAST(e.response_delay_minutes AS DOUBLE) AS delay
  FROM contact e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
    AND e.initiated_by = 'youth' AND e.response_delay_minutes IS NOT NULL
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, median(delay) AS valeur,
  count(DISTINCT department || '/' || youth) AS jeunes
FROM c
ORDER BY ventilation NULLS FIRST
