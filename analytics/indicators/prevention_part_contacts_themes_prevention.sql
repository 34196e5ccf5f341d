-- Indicateur: Part des contacts portant sur un thème de prévention
-- Axe: Prévention
-- Unité: %
-- Définition: parmi les contacts de l'année civile (mois local), part de ceux qui abordent au moins un
--   thème de prévention, c'est-à-dire un thème sensible: santé mentale/mal-être, addictions, vie
--   affective et sexualité, violences, harcèlement/cyberharcèlement, emprise, radicalisation/complotisme.
-- Name: Share of contacts about a prevention topic
-- Unit: %
-- Definition: among the contacts of the calendar year (local month), share of those that address at
--   least one prevention topic, that is a sensitive topic: mental health/distress, addictions,
--   relationships and sexuality, violence, harassment/cyberbullying, grooming/undue influence,
--   radicalisation/conspiracy theories.
-- Sources: youth_month (contacts, sensitive_contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.contacts, y.sensitive_contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department)
    AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
),
sensitive AS (
  SELECT count(*) AS n
  FROM (SELECT unnest(sensitive_contact_at) AS t FROM ym WHERE sensitive_contact_at IS NOT NULL) u
),
youths AS (SELECT department, youth FROM ym GROUP BY department, youth)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST((SELECT n FROM sensitive) AS DOUBLE) / CAST(NULLIF(sum(contacts), 0) AS DOUBLE) AS valeur,
  (SELECT count(*) FROM youths) AS jeunes
FROM ym
ORDER BY ventilation NULLS FIRST
