-- Indicateur: Préoccupations signalées pour 100 jeunes en contact
-- Axe: Prévention
-- Unité: préoccupations pour 100 jeunes
-- Définition: nombre de préoccupations (prevention.concern_flagged) enregistrées dans l'année civile
--   (mois local) pour des jeunes identifiés, pour 100 jeunes distincts en contact dans l'année (au moins
--   un contact, mois local). La colonne jeunes donne le dénominateur.
-- Name: Concerns flagged per 100 young people in contact
-- Unit: concerns per 100 young people
-- Definition: number of concerns (prevention.concern_flagged) recorded during the calendar year
--   (local month) for identified young people, per 100 distinct young people in contact during the
--   year (at least one contact, local month). The jeunes column gives the denominator.
-- Sources: youth_month (concerns_flagged, contacts)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.contacts, y.concerns_flagged
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year
),
in_contact AS (
  SELECT count(*) AS n FROM (SELECT department, youth FROM ym GROUP BY department, youth HAVING sum(contacts) > 0) t
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST((SELECT sum(concerns_flagged) FROM ym) AS DOUBLE) / CAST(NULLIF(i.n, 0) AS DOUBLE) AS valeur,
  i.n AS jeunes
FROM in_contact i
ORDER BY ventilation NULLS FIRST
