-- Indicateur: Part des primo-accueillis déjà rencontrés en ligne
-- Axe: Fréquentation des structures
-- Unité: %
-- Définition: parmi les jeunes venus pour la première fois dans une structure du réseau dans l'année
--   civile (première fréquentation connue, toutes structures, mois local), part de ceux qui avaient eu
--   au moins un contact en ligne strictement avant cette première venue.
-- Name: Share of first-time visitors already met online
-- Unit: %
-- Definition: among the young people who came to a structure of the network for the first time
--   during the calendar year (first known attendance, all structures, local month), share of those
--   who had had at least one online contact strictly before that first visit.
-- Sources: youth_month (contact_at, attended_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contacts, y.contact_at, y.attendances, y.attended_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
),
first_visit AS (
  SELECT u.department, u.youth, min(u.a) AS a0
  FROM (SELECT department, youth, unnest(attended_at) AS a FROM ym WHERE attendances > 0) u
  GROUP BY u.department, u.youth
),
first_visit_month AS (
  SELECT department, youth, min(month_start) AS m0 FROM ym WHERE attendances > 0 GROUP BY department, youth
),
first_contact AS (
  SELECT u.department, u.youth, min(u.t) AS t0
  FROM (SELECT department, youth, unnest(contact_at) AS t FROM ym WHERE contacts > 0) u
  GROUP BY u.department, u.youth
),
cohort AS (
  SELECT v.department, v.youth, c.t0 IS NOT NULL AND c.t0 < v.a0 AS met_online
  FROM first_visit v
  JOIN first_visit_month m ON m.department = v.department AND m.youth = v.youth
  LEFT JOIN first_contact c ON c.department = v.department AND c.youth = v.youth
  WHERE CAST(date_part('year', m.m0) AS INT) = $year
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(count(*) FILTER (WHERE met_online) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  count(*) AS jeunes
FROM cohort
ORDER BY ventilation NULLS FIRST
