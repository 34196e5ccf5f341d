-- Indicateur: Orientations par issue
-- Axe: Pratiques collaboratives
-- Unité: orientations
-- Définition: nombre d'orientations faites dans l'année civile (date locale de l'événement
--   referral.made), au total puis par issue: la dernière issue apprise, à n'importe quelle date (code:
--   "attended" s'est rendu au service, "not_attended" ne s'y est pas rendu, "unknown" issue déclarée
--   inconnue), ou "non_renseignee" quand aucune issue n'a été enregistrée. Mêmes orientations que
--   "Orientations pour 100 jeunes en contact, par destination" et "Orientations suivies d'effet (issue
--   positive connue)", dont la valeur est 100 × attended / total. La colonne jeunes donne le nombre de
--   jeunes distincts orientés dans la case.
-- Name: Referrals by outcome
-- Unit: referrals
-- Definition: number of referrals made in the calendar year (local date of the referral.made event),
--   in total then by outcome: the last outcome learnt, at any date (code: "attended" the young person
--   went to the service, "not_attended" did not, "unknown" outcome declared unknown), or
--   "non_renseignee" when no outcome was recorded. Same referrals as "Referrals per 100 young people
--   in contact, by destination" and "Referrals that took effect (known positive outcome)", whose value
--   is 100 × attended / total. The jeunes column gives the number of distinct young people referred in
--   the cell.
-- Sources: referrals; événements referral (uniquement pour le décalage horaire local)
-- Secret statistique: jeunes
WITH offsets AS (
  SELECT DISTINCT department, structure_id, referral_id, occurred_at, utc_offset_minutes
  FROM referral WHERE event_type = 'referral.made'
),
made AS (
  SELECT r.department, r.youth, coalesce(r.outcome, 'non_renseignee') AS outcome
  FROM referrals r
  JOIN offsets o ON o.department = r.department AND o.structure_id = r.structure_id
    AND o.referral_id = r.referral_id AND o.occurred_at = r.made_at
  WHERE ($department IS NULL OR r.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', r.made_at) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM made
  UNION ALL
  SELECT outcome, CAST(count(*) AS DOUBLE), count(DISTINCT department || '/' || youth) FROM made GROUP BY outcome
) r
ORDER BY ventilation NULLS FIRST
