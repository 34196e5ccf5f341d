-- Indicateur: Jeunes contactés par canal
-- Axe: Vie numérique
-- Unité: jeunes
-- Définition: nombre de jeunes distincts ayant eu au moins un contact dans l'année civile (mois local),
--   au total puis par canal: un jeune compte pour chaque canal sur lequel il a été contacté dans l'année
--   (la somme des canaux dépasse donc le total).
-- Name: Young people contacted by channel
-- Unit: young people
-- Definition: number of distinct young people who had at least one contact during the calendar year
--   (local month), in total then by channel: a young person counts for each channel on which they
--   were contacted during the year (the sum over the channels therefore exceeds the total).
-- Sources: youth_month (channels)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.channels
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
),
youths AS (SELECT department, youth FROM ym GROUP BY department, youth),
by_channel AS (
  SELECT DISTINCT u.department, u.youth, u.channel
  FROM (SELECT department, youth, unnest(channels) AS channel FROM ym) u
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, count(*) AS jeunes FROM youths
  UNION ALL
  SELECT channel, CAST(count(*) AS DOUBLE), count(*) FROM by_channel GROUP BY channel
) t
ORDER BY ventilation NULLS FIRST
