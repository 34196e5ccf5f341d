-- Indicateur: Promeneurs du Net actifs
-- Axe: Réseau / couverture
-- Unité: professionnels
-- Définition: nombre de professionnels distincts (identifiant du professionnel, par département) ayant
--   enregistré au moins un contact avec un jeune pendant l'année civile (mois local du contact).
-- Name: Active Promeneurs du Net
-- Unit: professionals
-- Definition: number of distinct professionals (professional identifier, per department) who
--   recorded at least one contact with a young person during the calendar year (local month of the
--   contact).
-- Sources: professional_month
-- Secret statistique: aucun
WITH actifs AS (
  SELECT m.department, m.professional_id
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year
  GROUP BY m.department, m.professional_id
  HAVING sum(m.contacts) > 0
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes
FROM actifs
ORDER BY ventilation NULLS FIRST
