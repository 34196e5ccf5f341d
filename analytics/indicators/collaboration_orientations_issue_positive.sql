-- Indicateur: Orientations suivies d'effet (issue positive connue)
-- Axe: Pratiques collaboratives
-- Unité: %
-- Définition: parmi les orientations faites dans l'année civile (date locale de l'événement
--   referral.made), part de celles dont l'issue connue (la dernière apprise, à n'importe quelle date) est
--   que le jeune s'est rendu au service (attended). Les orientations sans issue connue restent au
--   dénominateur. Ventilation par type de destination (code).
-- Name: Referrals that took effect (known positive outcome)
-- Unit: %
-- Definition: among the referrals made during the calendar year (local date of the referral.made
--   event), share of those whose known outcome (the latest one learnt, at any date) is that the
--   young person went to the service (attended). Referrals with no known outcome remain in the
--   denominator. Breakdown by destination type (code).
-- Sources: referrals; événements referral (uniquement pour le décalage horaire local)
-- Secret statistique: jeunes
WITH offsets AS (
  SELECT DISTINCT department, structure_id, referral_id, occurred_at, utc_offset_minutes
  FROM referral WHERE event_type = 'referral.made'
),
made AS (
  SELECT r.department, r.youth, coalesce(r.destination, 'inconnu') AS destination, r.outcome
  FROM referrals r
  JOIN offsets o ON o.department = r.department AND o.structure_id = r.structure_id
    AND o.referral_id = r.referral_id AND o.occurred_at = r.made_at
  WHERE ($department IS NULL OR r.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', r.made_at) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE outcome = 'attended') AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM made
  UNION ALL
  SELECT destination,
    100 * CAST(count(*) FILTER (WHERE outcome = 'attended') AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE),
    count(DISTINCT department || '/' || youth)
  FROM made GROUP BY destination
) r
ORDER BY ventilation NULLS FIRST
