-- Indicateur: Jeunes impliqués dans un projet accompagné
-- Axe: Émergence d'initiatives
-- Unité: jeunes
-- Définition: nombre de jeunes distincts nommés dans un accompagnement de projet (à son ouverture ou
--   ajoutés par une mise à jour) pendant l'année civile (mois local de l'événement).
-- Name: Young people involved in an accompanied project
-- Unit: young people
-- Definition: number of distinct young people named in a project accompaniment (at its opening or
--   added by an update) during the calendar year (local month of the event).
-- Sources: youth_month (accompaniments_joined)
-- Secret statistique: jeunes
WITH youths AS (
  SELECT y.department, y.youth
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year
  GROUP BY y.department, y.youth
  HAVING sum(y.accompaniments_joined) > 0
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, count(*) AS jeunes
FROM youths
ORDER BY ventilation NULLS FIRST
