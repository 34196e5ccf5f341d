-- Indicateur: Durée de la relation
-- Axe: Confiance
-- Unité: jours (médiane)
-- Définition: pour chaque jeune ayant eu au moins deux contacts dont au moins un dans l'année civile
--   (mois local), durée en jours (24 h, avec décimales) entre son premier contact connu et son dernier
--   contact de l'année ou d'avant; médiane sur ces jeunes. Les jeunes à contact unique (durée nulle)
--   sont exclus.
-- Name: Length of the relationship
-- Unit: days (median)
-- Definition: for each young person who had at least two contacts, at least one of them during the
--   calendar year (local month), time in days (24 h, with decimals) between their first known
--   contact and their last contact of the year or before; median over these young people. Young
--   people with a single contact (zero length) are excluded.
-- Sources: youth_month (contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0
    AND CAST(date_part('year', y.month_start) AS INT) <= $year
),
in_year AS (
  SELECT DISTINCT ym.department, ym.youth FROM ym
  WHERE CAST(date_part('year', ym.month_start) AS INT) = $year
),
instants AS (SELECT department, youth, unnest(contact_at) AS t FROM ym),
span AS (
  SELECT i.department, i.youth, min(i.t) AS t0, max(i.t) AS t1, count(*) AS contacts
  FROM instants i JOIN in_year y ON y.department = i.department AND y.youth = i.youth
  GROUP BY i.department, i.youth
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  median((date_part('epoch', t1) - date_part('epoch', t0)) / 86400) AS valeur,
  count(*) AS jeunes
FROM span
WHERE contacts >= 2
ORDER BY ventilation NULLS FIRST
