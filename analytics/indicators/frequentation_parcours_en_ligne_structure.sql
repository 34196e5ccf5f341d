-- Indicateur: Parcours des nouveaux jeunes, du contact en ligne à la structure
-- Axe: Fréquentation des structures
-- Unité: jeunes
-- Définition: nombre de jeunes à chaque étape du parcours, pour la cohorte de la conversion à 60 jours:
--   les nouveaux jeunes de l'année (premier contact en ligne connu dans l'année civile, mois local).
--   Étapes: "1_premier_contact", la cohorte; "2_venus_structure", ceux venus dans une structure
--   (événement de fréquentation, toute structure) à l'instant de leur premier contact ou après, à
--   n'importe quelle date; "3_venus_60j", ceux venus entre l'instant du premier contact et 60 jours
--   (60 × 24 h) après, bornes comprises (100 × étape 3 / étape 1 = "Conversion en ligne vers la structure
--   (60 jours)"); "4_revenus", ceux venus au moins deux fois à l'instant du premier contact ou après, à
--   n'importe quelle date. Les étapes 3 et 4 sont incluses dans l'étape 2 mais pas l'une dans l'autre.
--   Total: la cohorte. La colonne jeunes reprend le nombre de jeunes de l'étape.
-- Name: Path of new young people from online contact to a structure
-- Unit: young people
-- Definition: number of young people at each step of the path, for the cohort of the 60-day conversion:
--   the new young people of the year (first known online contact in the calendar year, local month).
--   Steps: "1_premier_contact", the cohort; "2_venus_structure", those who came to a structure
--   (attendance event, any structure) at or after the instant of their first contact, at any date;
--   "3_venus_60j", those who came between the instant of the first contact and 60 days (60 × 24 h)
--   later, bounds included (100 × step 3 / step 1 = "Conversion from online contact to the structure
--   (60 days)"); "4_revenus", those who came at least twice at or after the instant of the first
--   contact, at any date. Steps 3 and 4 are within step 2 but not within each other. Total: the cohort.
--   The jeunes column repeats the step's number.
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
after_first AS (
  SELECT c.department, c.youth,
    count(*) AS visits,
    count(*) FILTER (WHERE v.a <= c.t0 + INTERVAL '60 days') AS visits_60j
  FROM cohort c JOIN visits v ON v.department = c.department AND v.youth = c.youth
  WHERE v.a >= c.t0
  GROUP BY c.department, c.youth
),
steps AS (
  SELECT '1_premier_contact' AS step, count(*) AS n FROM cohort
  UNION ALL
  SELECT '2_venus_structure', count(*) FROM after_first
  UNION ALL
  SELECT '3_venus_60j', count(*) FROM after_first WHERE visits_60j > 0
  UNION ALL
  SELECT '4_revenus', count(*) FROM after_first WHERE visits >= 2
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, count(*) AS jeunes FROM cohort
  UNION ALL
  SELECT CAST(step AS VARCHAR), CAST(n AS DOUBLE), CAST(n AS BIGINT) FROM steps
) r
ORDER BY ventilation NULLS FIRST
