-- Indicateur: Jeunes passant à un accompagnement de projet
-- Axe: Confiance
-- Unité: %
-- Définition: parmi les jeunes en contact dans l'année civile (mois local), part de ceux qui ont été
--   nommés dans un accompagnement (ouverture ou ajout) dans l'année. Ventilation "au_moins_3_contacts":
--   la même part parmi les jeunes ayant eu au moins 3 contacts depuis leur premier contact connu jusqu'à
--   la fin de l'année.
-- Name: Young people moving on to a project accompaniment
-- Unit: %
-- Definition: among the young people in contact during the calendar year (local month), share of
--   those who were named in an accompaniment (opening or addition) during the year. Breakdown
--   "au_moins_3_contacts": the same share among the young people who had at least 3 contacts from
--   their first known contact up to the end of the year.
-- Sources: youth_month (contacts, accompaniments_joined)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, CAST(date_part('year', y.month_start) AS INT) AS year, y.contacts, y.accompaniments_joined
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) <= $year
),
youths AS (
  SELECT ym.department, ym.youth,
    sum(ym.contacts) FILTER (WHERE ym.year = $year) AS contacts_in_year,
    sum(ym.contacts) AS contacts_so_far,
    sum(ym.accompaniments_joined) FILTER (WHERE ym.year = $year) AS joined
  FROM ym
  GROUP BY ym.department, ym.youth
),
in_contact AS (SELECT * FROM youths WHERE contacts_in_year > 0)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE joined > 0) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    count(*) AS jeunes
  FROM in_contact
  UNION ALL
  SELECT 'au_moins_3_contacts',
    100 * CAST(count(*) FILTER (WHERE joined > 0) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), count(*)
  FROM in_contact WHERE contacts_so_far >= 3
) r
ORDER BY ventilation NULLS FIRST
