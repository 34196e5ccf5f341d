-- Indicateur: Orientations pour 100 jeunes en contact, par destination
-- Axe: Pratiques collaboratives
-- Unité: orientations pour 100 jeunes
-- Définition: nombre d'orientations faites dans l'année civile (date locale de l'événement
--   referral.made) pour 100 jeunes distincts en contact dans l'année (au moins un contact, mois local),
--   au total puis par type de destination (code). La colonne jeunes donne le nombre de jeunes distincts
--   orientés dans la case (le total: les jeunes en contact, dénominateur).
-- Name: Referrals per 100 young people in contact, by destination
-- Unit: referrals per 100 young people
-- Definition: number of referrals made during the calendar year (local date of the referral.made
--   event) per 100 distinct young people in contact during the year (at least one contact, local
--   month), in total then by destination type (code). The jeunes column gives the number of
--   distinct young people referred in the cell (for the total: the young people in contact, the
--   denominator).
-- Sources: referrals, youth_month; événements referral (uniquement pour le décalage horaire local)
-- Secret statistique: jeunes
WITH offsets AS (
  SELECT DISTINCT department, structure_id, referral_id, occurred_at, utc_offset_minutes
  FROM referral WHERE event_type = 'referral.made'
),
made AS (
  SELECT r.department, r.youth, coalesce(r.destination, 'inconnu') AS destination
  FROM referrals r
  JOIN offsets o ON o.department = r.department AND o.structure_id = r.structure_id
    AND o.referral_id = r.referral_id AND o.occurred_at = r.made_at
  WHERE ($department IS NULL OR r.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', r.made_at) + o.utc_offset_minutes * 60)) AS INT) = $year
),
in_contact AS (
  SELECT count(*) AS n FROM (
    SELECT y.department, y.youth
    FROM youth_month y
    WHERE ($department IS NULL OR y.department = $department)
      AND CAST(date_part('year', y.month_start) AS INT) = $year AND y.contacts > 0
    GROUP BY y.department, y.youth) t
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST((SELECT count(*) FROM made) AS DOUBLE) / CAST(NULLIF(i.n, 0) AS DOUBLE) AS valeur, i.n AS jeunes
  FROM in_contact i
  UNION ALL
  SELECT m.destination, 100 * CAST(count(*) AS DOUBLE) / CAST(NULLIF(max(i.n), 0) AS DOUBLE),
    count(DISTINCT m.department || '/' || m.youth)
  FROM made m CROSS JOIN in_contact i GROUP BY m.destination
) r
ORDER BY ventilation NULLS FIRST
