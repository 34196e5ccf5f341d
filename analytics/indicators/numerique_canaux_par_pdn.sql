-- Indicateur: Canaux utilisés par Promeneur du Net
-- Axe: Vie numérique
-- Unité: canaux par professionnel (moyenne)
-- Définition: pour chaque professionnel actif dans l'année (au moins un contact, mois local), nombre de
--   canaux distincts sur lesquels il a eu au moins un contact dans l'année (toutes structures
--   confondues); moyenne sur les professionnels actifs.
-- Name: Channels used per Promeneur du Net
-- Unit: channels per professional (mean)
-- Definition: for each professional active during the year (at least one contact, local month),
--   number of distinct channels on which they had at least one contact during the year (all
--   structures taken together); mean over the active professionals.
-- Sources: professional_month (channels)
-- Secret statistique: aucun
WITH pm AS (
  SELECT m.department, m.professional_id, m.channels
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year AND m.contacts > 0
),
per_pro AS (
  SELECT u.department, u.professional_id, count(DISTINCT u.channel) AS channels
  FROM (SELECT department, professional_id, unnest(channels) AS channel FROM pm) u
  GROUP BY u.department, u.professional_id
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  CAST(sum(channels) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  CAST(NULL AS BIGINT) AS jeunes
FROM per_pro
ORDER BY ventilation NULLS FIRST
