-- Indicateur: Jeunes distincts en contact, par tranche d'âge
-- Axe: Lien social
-- Unité: jeunes
-- Définition: nombre de jeunes distincts (pseudonyme, par département) ayant eu au moins un contact avec
--   un Promeneur du Net dans l'année civile (mois local du contact). Ventilation par tranche d'âge: celle
--   déclarée au dernier contact du premier mois de l'année où le jeune a été en contact (le read model
--   garde la dernière tranche de chaque mois).
-- Name: Distinct young people in contact, by age group
-- Unit: young people
-- Definition: number of distinct young people (pseudonym, per department) who had at least one
--   contact with a Promeneur du Net during the calendar year (local month of the contact).
--   Breakdown by age group: the one declared at the last contact of the first month of the year in
--   which the young person was in contact (the read model keeps the last age group of each month).
-- Sources: youth_month
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.age_band, y.contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
),
first_month AS (
  SELECT department, youth, min(month_start) AS month_start FROM ym GROUP BY department, youth
),
first_rows AS (
  SELECT ym.department, ym.youth, ym.age_band, ym.contact_at
  FROM first_month f JOIN ym ON ym.department = f.department AND ym.youth = f.youth AND ym.month_start = f.month_start
),
instants AS (SELECT department, youth, age_band, unnest(contact_at) AS t FROM first_rows),
band_last AS (
  SELECT department, youth, age_band, max(t) AS t FROM instants GROUP BY department, youth, age_band
),
latest AS (SELECT department, youth, max(t) AS t FROM band_last GROUP BY department, youth),
youths AS (
  SELECT b.department, b.youth, min(b.age_band) AS age_band
  FROM band_last b JOIN latest l ON b.department = l.department AND b.youth = l.youth AND b.t = l.t
  GROUP BY b.department, b.youth
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, count(*) AS jeunes FROM youths
  UNION ALL
  SELECT coalesce(age_band, 'unknown'), CAST(count(*) AS DOUBLE), count(*) FROM youths GROUP BY coalesce(age_band, 'unknown')
) t
ORDER BY ventilation NULLS FIRST
