-- Indicateur: Approfondissement: thèmes sensibles abordés après au moins 3 contacts
-- Axe: Confiance
-- Unité: %
-- Définition: parmi les jeunes ayant abordé au moins un thème sensible (santé mentale, addictions, vie
--   affective et sexualité, violences, harcèlement, emprise, radicalisation) lors d'un contact de l'année
--   civile (mois local), part de ceux pour qui au moins un de ces contacts avait été précédé d'au moins
--   3 contacts (depuis le premier contact connu).
-- Name: Deepening: sensitive topics raised after at least 3 contacts
-- Unit: %
-- Definition: among the young people who raised at least one sensitive topic (mental health,
--   addictions, relationships and sexuality, violence, harassment, grooming/undue influence,
--   radicalisation) during a contact of the calendar year (local month), share of those for whom at
--   least one of these contacts had been preceded by at least 3 contacts (since the first known
--   contact).
-- Sources: youth_month (contact_at, sensitive_contact_at)
-- Secret statistique: jeunes
WITH ym AS (
  SELECT y.department, y.youth, y.month_start, y.contact_at, y.sensitive_contact_at
  FROM youth_month y
  WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0
),
last_sensitive AS (
  SELECT s.department, s.youth, max(s.t) AS t
  FROM (SELECT ym.department, ym.youth, unnest(ym.sensitive_contact_at) AS t
        FROM ym
        WHERE CAST(date_part('year', ym.month_start) AS INT) = $year AND ym.sensitive_contact_at IS NOT NULL) s
  GROUP BY s.department, s.youth
),
-- A sensitive contact is one of the youth's contacts (its instant is in contact_at too): the rank
-- of the year's last one among all the youth's contacts is the number of contacts up to it.
youths AS (
  SELECT s.department, s.youth, count(*) AS rank
  FROM last_sensitive s
  JOIN (SELECT department, youth, unnest(contact_at) AS t FROM ym) c
    ON c.department = s.department AND c.youth = s.youth AND c.t <= s.t
  GROUP BY s.department, s.youth
)
SELECT CAST(NULL AS VARCHAR) AS ventilation,
  100 * CAST(count(*) FILTER (WHERE rank >= 4) AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
  count(*) AS jeunes
FROM youths
ORDER BY ventilation NULLS FIRST
