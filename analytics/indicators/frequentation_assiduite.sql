-- Indicateur: Fréquentation suivie (au moins 3 venues en 6 mois)
-- Axe: Fréquentation des structures
-- Unité: %
-- Définition: parmi les jeunes venus pour la première fois dans une structure du réseau dans l'année
--   civile (première fréquentation connue, toutes structures, mois local), part de ceux qui comptent au
--   moins 3 venues (la première comprise) dans les 180 jours (180 × 24 h) qui suivent cette première
--   venue, à n'importe quelle date. Ventilation selon que le jeune avait ou non eu un contact en ligne
--   avant sa première venue ("apres_contact_en_ligne", "sans_contact_en_ligne").
-- Name: Regular attendance (at least 3 visits in 6 months)
-- Unit: %
-- Definition: among the young people who came to a structure of the network for the first time
--   during the calendar year (first known attendance, all structures, local month), share of those
--   who have at least 3 visits (the first one included) within the 180 days (180 × 24 h) following
--   that first visit, at any date. Breakdown by whether or not the young person had had an online
--   contact before their first visit ("apres_contact_en_ligne", "sans_contact_en_ligne").
-- Sources: youth_month (contact_at, attended_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contacts, y.contact_at, y.attendances, y.attended_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
),
visits AS (SELECT department, youth, unnest(attended_at) AS a FROM ym WHERE attendances > 0),
first_visit AS (SELECT department, youth, min(a) AS a0 FROM visits GROUP BY department, youth),
first_visit_month AS (
  SELECT department, youth, min(month_start) AS m0 FROM ym WHERE attendances > 0 GROUP BY department, youth
),
first_contact AS (
  SELECT u.department, u.youth, min(u.t) AS t0
  FROM (SELECT department, youth, unnest(contact_at) AS t FROM ym WHERE contacts > 0) u
  GROUP BY u.department, u.youth
),
cohort AS (
  SELECT f.department, f.youth, f.a0,
    CASE WHEN c.t0 IS NOT NULL AND c.t0 < f.a0 THEN 'apres_contact_en_ligne' ELSE 'sans_contact_en_ligne' END AS parcours
  FROM first_visit f
  JOIN first_visit_month m ON m.department = f.department AND m.youth = f.youth
  LEFT JOIN first_contact c ON c.department = f.department AND c.youth = f.youth
  WHERE CAST(date_part('year', m.m0) AS INT) = $year
),
counted AS (
  SELECT c.department, c.youth, c.parcours, count(*) AS visits
  FROM cohort c JOIN visits v ON v.department = c.department AND v.youth = c.youth
  WHERE v.a >= c.a0 AND v.a <= c.a0 + INTERVAL '180 days'
  GROUP BY c.department, c.youth, c.parcours
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE visits >= 3) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    count(*) AS jeunes
  FROM counted
  UNION ALL
  SELECT parcours, 100 * CAST(count(*) FILTER (WHERE visits >= 3) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE), count(*)
  FROM counted GROUP BY parcours
) r
ORDER BY ventilation NULLS FIRST
