-- Indicateur: Délai médian entre une préoccupation et l'orientation ou le signalement qui la suit
-- Axe: Prévention
-- Unité: jours (médiane)
-- Définition: pour chaque préoccupation enregistrée dans l'année civile (date locale) au sujet d'un
--   jeune identifié et suivie d'une orientation de ce jeune (referral.made, même département) ou d'un
--   signalement (prevention.signalement_made de la même préoccupation ou du même jeune), au même instant
--   ou après, durée en jours (24 h, avec décimales) jusqu'à la première de ces suites; médiane sur ces
--   préoccupations. Les préoccupations sans suite ne comptent pas.
-- Name: Median time between a concern and the referral or safeguarding report that follows it
-- Unit: days (median)
-- Definition: for each concern recorded during the calendar year (local date) about an identified
--   young person and followed by a referral of that young person (referral.made, same department)
--   or by a safeguarding report (prevention.signalement_made of the same concern or of the same
--   young person), at the same instant or later, time in days (24 h, with decimals) until the first
--   of these follow-ups; median over these concerns. Concerns without a follow-up do not count.
-- Sources: referrals; événements prevention (corrigés: aucun read model ne garde l'instant des
--   préoccupations ni des signalements, voir DESIGN.md §9)
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
prev AS (
  SELECT e.event_id, e.event_type, e.department, e.youth, e.concern_id, e.occurred_at, e.utc_offset_minutes
  FROM prevention e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
),
concerns AS (
  SELECT c.event_id, c.department, c.youth, c.concern_id, c.occurred_at
  FROM prev c
  WHERE c.event_type = 'prevention.concern_flagged' AND c.youth IS NOT NULL
    AND CAST(date_part('year', to_timestamp(date_part('epoch', c.occurred_at) + c.utc_offset_minutes * 60)) AS INT) = $year
),
follow_ups AS (
  SELECT c.event_id, min(s.occurred_at) AS next_at
  FROM concerns c JOIN prev s ON s.department = c.department AND s.event_type = 'prevention.signalement_made'
    AND (s.concern_id = c.concern_id OR s.youth = c.youth) AND s.occurred_at >= c.occurred_at
  GROUP BY c.event_id
  UNION ALL
  SELECT c.event_id, min(r.made_at)
  FROM concerns c JOIN referrals r ON r.department = c.department AND r.youth = c.youth AND r.made_at >= c.occurred_at
  GROUP BY c.event_id
),
delays AS (
  SELECT c.department, c.youth, (date_part('epoch', min(f.next_at)) - date_part('epoch', c.occurred_at)) / 86400 AS days
  FROM concerns c JOIN follow_ups f ON f.event_id = c.event_id
  GROUP BY c.event_id, c.department, c.youth, c.occurred_at
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, median(days) AS valeur,
  count(DISTINCT department || '/' || youth) AS jeunes
FROM delays
ORDER BY ventilation NULLS FIRST
