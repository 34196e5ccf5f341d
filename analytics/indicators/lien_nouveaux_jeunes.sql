-- Indicateur: Nouveaux jeunes en contact
-- Axe: Lien social
-- Unité: jeunes
-- Définition: nombre de jeunes distincts dont le premier contact connu (le plus ancien dans les données
--   conservées, tous mois confondus) a eu lieu dans l'année civile (mois local). Les données d'un jeune
--   étant effacées 2 ans après son dernier contact, "premier connu" s'entend dans cet historique.
-- Name: New young people in contact
-- Unit: young people
-- Definition: number of distinct young people whose first known contact (the oldest in the retained
--   data, all months taken together) took place during the calendar year (local month). As a young
--   person's data are erased 2 years after their last contact, "first known" is to be understood
--   within this history.
-- Sources: youth_month
-- Secret statistique: jeunes
WITH firsts AS (
  SELECT y.department, y.youth, min(y.month_start) AS first_month
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0
  GROUP BY y.department, y.youth
),
nouveaux AS (
  SELECT f.department, f.youth FROM firsts f
  WHERE CAST(date_part('year', f.first_month) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, count(*) AS jeunes
FROM nouveaux
ORDER BY ventilation NULLS FIRST
