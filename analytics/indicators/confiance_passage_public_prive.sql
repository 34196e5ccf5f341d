-- Indicateur: Approfondissement: passage d'un premier contact public à un contact privé
-- Axe: Confiance
-- Unité: %
-- Définition: parmi les nouveaux jeunes de l'année (premier contact connu dans l'année civile, mois
--   local) dont le premier contact était public (commentaire, échange visible), part de ceux qui ont eu
--   ensuite au moins un contact privé (à n'importe quelle date après ce premier contact).
-- Name: Deepening: moving from a first public contact to a private contact
-- Unit: %
-- Definition: among the new young people of the year (first known contact during the calendar year,
--   local month) whose first contact was public (comment, visible exchange), share of those who
--   then had at least one private contact (at any date after that first contact).
-- Sources: youth_month (contact_at, first_public_contact_at, last_private_contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contact_at, y.first_public_contact_at, y.last_private_contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0
),
instants AS (SELECT department, youth, unnest(contact_at) AS t FROM ym),
span AS (SELECT department, youth, min(t) AS t0 FROM instants GROUP BY department, youth),
youths AS (
  SELECT department, youth, min(month_start) AS first_month, min(first_public_contact_at) AS first_public,
    max(last_private_contact_at) AS last_private
  FROM ym GROUP BY department, youth
),
cohort AS (
  SELECT y.department, y.youth, y.last_private IS NOT NULL AND y.last_private > s.t0 AS deepened
  FROM youths y JOIN span s ON s.department = y.department AND s.youth = y.youth
  WHERE CAST(date_part('year', y.first_month) AS INT) = $year AND y.first_public = s.t0
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(count(*) FILTER (WHERE deepened) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  count(*) AS jeunes
FROM cohort
ORDER BY ventilation NULLS FIRST
