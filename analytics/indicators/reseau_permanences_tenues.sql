-- Indicateur: Part des permanences annoncées qui ont été tenues
-- Axe: Réseau / couverture
-- Unité: %
-- Définition: parmi les permanences en ligne annoncées (événement permanence.scheduled) dont le créneau
--   commence dans l'année (date locale du début du créneau, avec le décalage horaire de l'annonce),
--   part de celles qui ont été tenues (état "held"). Les permanences tenues sans annonce ne comptent pas.
-- Name: Share of announced online drop-in sessions that were held
-- Unit: %
-- Definition: among the announced online drop-in sessions (permanence.scheduled event) whose slot
--   starts in the year (local date of the start of the slot, with the time offset of the
--   announcement), share of those that were held (state "held"). Sessions held without an
--   announcement do not count.
-- Sources: permanences; événements permanence (uniquement pour le décalage horaire local de l'annonce)
-- Secret statistique: aucun
WITH offsets AS (
  SELECT DISTINCT department, structure_id, permanence_id, occurred_at, utc_offset_minutes
  FROM permanence WHERE event_type = 'permanence.scheduled'
),
announced AS (
  SELECT m.state
  FROM permanences m
  JOIN offsets o ON o.department = m.department AND o.structure_id = m.structure_id
    AND o.permanence_id = m.permanence_id AND o.occurred_at = m.scheduled_at
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', m.slot_start) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(count(*) FILTER (WHERE state = 'held') AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  CAST(NULL AS BIGINT) AS jeunes
FROM announced
ORDER BY ventilation NULLS FIRST
