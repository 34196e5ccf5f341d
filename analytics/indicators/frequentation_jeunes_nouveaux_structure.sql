-- Indicateur: Jeunes jusque-là inconnus de la structure
-- Axe: Fréquentation des structures
-- Unité: %
-- Définition: parmi les jeunes venus dans une structure du réseau dans l'année civile (mois local de la
--   fréquentation), part de ceux dont au moins une venue de l'année est signalée par la structure comme
--   celle d'un jeune qu'elle ne connaissait pas (new_to_structure). Ventilation selon que le jeune avait
--   eu un contact en ligne avant sa première venue de l'année ("apres_contact_en_ligne") ou non
--   ("sans_contact_en_ligne").
-- Name: Young people previously unknown to the structure
-- Unit: %
-- Definition: among the young people who came to a structure of the network during the calendar
--   year (local month of the attendance), share of those at least one of whose visits of the year
--   is reported by the structure as that of a young person it did not know (new_to_structure).
--   Breakdown by whether the young person had had an online contact before their first visit of the
--   year ("apres_contact_en_ligne") or not ("sans_contact_en_ligne").
-- Sources: youth_month (attendances, attendances_new_to_structure, attended_at, contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contacts, y.contact_at, y.attendances,
    y.attendances_new_to_structure, y.attended_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
),
in_year AS (
  SELECT ym.department, ym.youth, sum(ym.attendances_new_to_structure) AS new_visits
  FROM ym
  WHERE ym.attendances > 0 AND CAST(date_part('year', ym.month_start) AS INT) = $year
  GROUP BY ym.department, ym.youth
),
first_visit AS (
  SELECT u.department, u.youth, min(u.a) AS a0
  FROM (SELECT ym.department, ym.youth, unnest(ym.attended_at) AS a
        FROM ym
        WHERE ym.attendances > 0 AND CAST(date_part('year', ym.month_start) AS INT) = $year) u
  GROUP BY u.department, u.youth
),
first_contact AS (
  SELECT u.department, u.youth, min(u.t) AS t0
  FROM (SELECT department, youth, unnest(contact_at) AS t FROM ym WHERE contacts > 0) u
  GROUP BY u.department, u.youth
),
youths AS (
  SELECT i.department, i.youth, i.new_visits > 0 AS unknown_before,
    CASE WHEN c.t0 IS NOT NULL AND c.t0 < f.a0 THEN 'apres_contact_en_ligne' ELSE 'sans_contact_en_ligne' END AS parcours
  FROM in_year i
  JOIN first_visit f ON f.department = i.department AND f.youth = i.youth
  LEFT JOIN first_contact c ON c.department = i.department AND c.youth = i.youth
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE unknown_before) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    count(*) AS jeunes
  FROM youths
  UNION ALL
  SELECT parcours, 100 * CAST(count(*) FILTER (WHERE unknown_before) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), count(*)
  FROM youths GROUP BY parcours
) r
ORDER BY ventilation NULLS FIRST
