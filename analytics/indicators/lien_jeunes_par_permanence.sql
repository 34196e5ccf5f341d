-- Indicateur: Jeunes touchés par permanence tenue
-- Axe: Lien social
-- Unité: jeunes par permanence (moyenne)
-- Définition: moyenne, sur les permanences en ligne tenues (annoncées ou non) dont le créneau
--   commence dans l'année (date locale, décalage horaire de l'événement permanence.held), du nombre de
--   jeunes touchés déclaré à la tenue de la permanence (youths_reached). C'est un nombre déclaré, pas un décompte de pseudonymes.
-- Name: Young people reached per online drop-in session held
-- Unit: young people per online drop-in session (mean)
-- Definition: mean, over the online drop-in sessions held (announced or not) whose slot starts in the year (local
--   date, time offset of the permanence.held event), of the number of young people reached declared
--   when the session was held (youths_reached). It is a declared number, not a count of pseudonyms.
-- Sources: permanences; événements permanence (uniquement pour le décalage horaire local)
-- Secret statistique: aucun
WITH offsets AS (
  SELECT DISTINCT department, structure_id, permanence_id, occurred_at, utc_offset_minutes
  FROM permanence WHERE event_type = 'permanence.held'
),
held AS (
  SELECT m.youths_reached
  FROM permanences m
  JOIN offsets o ON o.department = m.department AND o.structure_id = m.structure_id
    AND o.permanence_id = m.permanence_id AND o.occurred_at = m.held_at
  WHERE ($department IS NULL OR m.department = $department) AND m.held_at IS NOT NULL
    AND CAST(date_part('year', to_timestamp(date_part('epoch', m.slot_start) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  CAST(sum(youths_reached) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  CAST(NULL AS BIGINT) AS jeunes
FROM held
ORDER BY ventilation NULLS FIRST
