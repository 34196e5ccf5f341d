-- Indicateur: Heures de présence en ligne (permanences tenues)
-- Axe: Réseau / couverture
-- Unité: heures
-- Définition: somme, sur les permanences en ligne tenues dans l'année (mois local de l'événement
--   permanence.held), de la durée du créneau tenu (fin - début), en heures. Le temps passé en contacts
--   hors permanence n'est pas compté (voir DESIGN.md §9).
-- Name: Hours of online presence (online drop-in sessions held)
-- Unit: hours
-- Definition: sum, over the online drop-in sessions held during the year (local month of the
--   permanence.held event), of the length of the slot held (end - start), in hours. Time spent in
--   contacts outside online drop-in sessions is not counted (see DESIGN.md §9).
-- Sources: professional_month (permanence_minutes)
-- Secret statistique: aucun
WITH m AS (
  SELECT m.permanence_minutes
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  CAST(coalesce(sum(permanence_minutes), 0) AS DOUBLE) / 60 AS valeur, CAST(NULL AS BIGINT) AS jeunes
FROM m
ORDER BY ventilation NULLS FIRST
