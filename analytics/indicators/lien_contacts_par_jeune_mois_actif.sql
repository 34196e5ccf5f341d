-- Indicateur: Contacts par jeune et par mois actif
-- Axe: Lien social
-- Unité: contacts par jeune et par mois actif
-- Définition: nombre de contacts de l'année divisé par le nombre de couples (jeune, mois local) de
--   l'année où le jeune a eu au moins un contact.
-- Name: Contacts per young person per active month
-- Unit: contacts per young person per active month
-- Definition: number of contacts of the year divided by the number of (young person, local month)
--   pairs of the year in which the young person had at least one contact.
-- Sources: youth_month
-- Secret statistique: jeunes
WITH months AS (
  SELECT y.department, y.youth, y.month_start, sum(y.contacts) AS contacts
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year
  GROUP BY y.department, y.youth, y.month_start
  HAVING sum(y.contacts) > 0
),
youths AS (SELECT department, youth FROM months GROUP BY department, youth)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  CAST(sum(contacts) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  (SELECT count(*) FROM youths) AS jeunes
FROM months
ORDER BY ventilation NULLS FIRST
