-- Indicateur: Conversion en ligne vers la structure (60 jours)
-- Axe: Fréquentation des structures
-- Unité: %
-- Définition: parmi les nouveaux jeunes de l'année (premier contact en ligne connu dans l'année civile,
--   mois local), part de ceux qui sont venus dans une structure (événement de fréquentation, toute
--   structure) entre l'instant de leur premier contact et 60 jours (60 × 24 h) après, bornes comprises.
-- Name: Conversion from online contact to the structure (60 days)
-- Unit: %
-- Definition: among the new young people of the year (first known online contact during the
--   calendar year, local month), share of those who came to a structure (attendance event, any
--   structure) between the instant of their first contact and 60 days (60 × 24 h) later, bounds
--   included.
-- Sources: youth_month (contact_at, attended_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contacts, y.contact_at, y.attendances, y.attended_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
),
firsts AS (
  SELECT u.department, u.youth, min(u.t) AS t0
  FROM (SELECT department, youth, unnest(contact_at) AS t FROM ym WHERE contacts > 0) u
  GROUP BY u.department, u.youth
),
first_month AS (
  SELECT department, youth, min(month_start) AS first_month FROM ym WHERE contacts > 0 GROUP BY department, youth
),
cohort AS (
  SELECT f.department, f.youth, f.t0
  FROM firsts f JOIN first_month m ON m.department = f.department AND m.youth = f.youth
  WHERE CAST(date_part('year', m.first_month) AS INT) = $year
),
visits AS (SELECT department, youth, unnest(attended_at) AS a FROM ym WHERE attendances > 0),
converted AS (
  SELECT DISTINCT c.department, c.youth
  FROM cohort c JOIN visits v ON v.department = c.department AND v.youth = c.youth
  WHERE v.a >= c.t0 AND v.a <= c.t0 + INTERVAL '60 days'
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST((SELECT count(*) FROM converted) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  count(*) AS jeunes
FROM cohort
ORDER BY ventilation NULLS FIRST
