-- Indicateur: Part des contacts à l'initiative des jeunes
-- Axe: Lien social
-- Unité: %
-- Définition: parmi les contacts de l'année (mois local), part de ceux dont le jeune a pris l'initiative
--   (initiated_by = youth).
-- Name: Share of contacts initiated by young people
-- Unit: %
-- Definition: among the contacts of the year (local month), share of those initiated by the young
--   person (initiated_by = youth).
-- Sources: youth_month
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.contacts, y.contacts_initiated_by_youth
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
),
youths AS (SELECT department, youth FROM ym GROUP BY department, youth)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(sum(contacts_initiated_by_youth) AS DOUBLE) / CAST(NULLIF(sum(contacts), 0) AS DOUBLE) AS valeur,
  (SELECT count(*) FROM youths) AS jeunes
FROM ym
ORDER BY ventilation NULLS FIRST
