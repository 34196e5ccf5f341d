-- Indicateur: Rétention des nouveaux jeunes à 30 jours
-- Axe: Confiance
-- Unité: %
-- Définition: parmi les nouveaux jeunes de l'année (premier contact connu dans l'année civile, mois
--   local), part de ceux qui ont eu un autre contact 30 jours (30 × 24 h) ou plus après leur premier
--   contact, à n'importe quelle date ensuite. Ventilation selon que le premier contact était public
--   ("premier_contact_public") ou privé ("premier_contact_prive").
-- Name: 30-day retention of new young people
-- Unit: %
-- Definition: among the new young people of the year (first known contact during the calendar year,
--   local month), share of those who had another contact 30 days (30 × 24 h) or more after their
--   first contact, at any later date. Breakdown by whether the first contact was public
--   ("premier_contact_public") or private ("premier_contact_prive").
-- Sources: youth_month (contact_at, first_public_contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contact_at, y.first_public_contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0
),
instants AS (SELECT department, youth, unnest(contact_at) AS t FROM ym),
span AS (SELECT department, youth, min(t) AS t0, max(t) AS t1 FROM instants GROUP BY department, youth),
firsts AS (
  SELECT department, youth, min(month_start) AS first_month, min(first_public_contact_at) AS first_public
  FROM ym GROUP BY department, youth
),
cohort AS (
  SELECT f.department, f.youth,
    CASE WHEN f.first_public = s.t0 THEN 'premier_contact_public' ELSE 'premier_contact_prive' END AS premier,
    s.t1 >= s.t0 + INTERVAL '30 days' AS retained
  FROM firsts f JOIN span s ON s.department = f.department AND s.youth = f.youth
  WHERE CAST(date_part('year', f.first_month) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE retained) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    count(*) AS jeunes
  FROM cohort
  UNION ALL
  SELECT premier, 100 * CAST(count(*) FILTER (WHERE retained) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), count(*)
  FROM cohort GROUP BY premier
) r
ORDER BY ventilation NULLS FIRST
