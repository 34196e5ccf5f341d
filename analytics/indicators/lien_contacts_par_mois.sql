-- Indicateur: Contacts par mois
-- Axe: Lien social
-- Unité: contacts
-- Définition: nombre de contacts de l'année civile (mois local du contact: occurred_at + décalage du
--   producteur), au total puis par mois local (ventilation "01" à "12"; un mois sans contact n'a pas de
--   ligne). La colonne jeunes donne le nombre de jeunes distincts (pseudonyme, par département) ayant eu
--   au moins un contact dans le mois; pour le total, dans l'année. Les mois s'additionnent au total, qui
--   est celui de "Contacts par canal".
-- Name: Contacts by month
-- Unit: contacts
-- Definition: number of contacts in the calendar year (local month of the contact: occurred_at plus the
--   producer's offset), in total then by local month (breakdown "01" to "12"; a month without any
--   contact has no row). The jeunes column gives the number of distinct young people (pseudonym, within
--   a department) with at least one contact in the month; for the total, in the year. The months add
--   up to the total, which is that of "Contacts by channel".
-- Sources: youth_month (month_start, contacts)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.contacts,
    lpad(CAST(CAST(date_part('month', y.month_start) AS INT) AS VARCHAR), 2, '0') AS month
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(coalesce(sum(contacts), 0) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM ym
  UNION ALL
  SELECT month, CAST(sum(contacts) AS DOUBLE), count(DISTINCT department || '/' || youth) FROM ym GROUP BY month
) t
ORDER BY ventilation NULLS FIRST
