-- Read model `referrals`: each referral (department, structure, referral id) as a state machine:
-- made -> outcome known. state: 'made', 'outcome_known', or 'orphan' (an outcome with no referral
-- made). The outcome is the last one learnt. invalid_transitions counts a second referral made with
-- the same id and an outcome learnt before the referral or without one. days_to_outcome: whole days
-- from the referral to its first known outcome. Source: referral. Sorted by the key.
WITH ev AS (
  SELECT *, row_number() OVER (PARTITION BY department, structure_id, referral_id, event_type
                               ORDER BY occurred_at, event_id) AS nth,
            row_number() OVER (PARTITION BY department, structure_id, referral_id, event_type
                               ORDER BY occurred_at DESC, event_id DESC) AS nth_last
  FROM referral
), bounds AS (
  SELECT department, structure_id, referral_id,
    min(occurred_at) FILTER (WHERE event_type = 'referral.made') AS made_at,
    min(occurred_at) FILTER (WHERE event_type = 'referral.outcome_known') AS outcome_known_at
  FROM ev GROUP BY 1, 2, 3
)
SELECT e.department, e.structure_id, e.referral_id,
  max(e.professional_id) FILTER (WHERE e.event_type = 'referral.made' AND e.nth = 1) AS professional_id,
  max(e.youth) FILTER (WHERE e.event_type = 'referral.made' AND e.nth = 1) AS youth,
  max(e.destination) FILTER (WHERE e.event_type = 'referral.made' AND e.nth = 1) AS destination,
  max(e.urgency) FILTER (WHERE e.event_type = 'referral.made' AND e.nth = 1) AS urgency,
  max(e.age_band) FILTER (WHERE e.event_type = 'referral.made' AND e.nth = 1) AS age_band,
  b.made_at, b.outcome_known_at,
  max(e.outcome) FILTER (WHERE e.event_type = 'referral.outcome_known' AND e.nth_last = 1) AS outcome,
  CASE WHEN b.made_at IS NULL THEN 'orphan' WHEN b.outcome_known_at IS NULL THEN 'made' ELSE 'outcome_known' END AS state,
  (CAST(b.outcome_known_at AS BIGINT) - CAST(b.made_at AS BIGINT)) / 86400000000 AS days_to_outcome,
  count(*) FILTER (WHERE e.event_type = 'referral.made' AND e.nth > 1)
    + count(*) FILTER (WHERE e.event_type = 'referral.outcome_known' AND (b.made_at IS NULL OR e.occurred_at < b.made_at)) AS invalid_transitions
FROM ev e JOIN bounds b
  ON b.department = e.department AND b.structure_id = e.structure_id AND b.referral_id = e.referral_id
GROUP BY e.department, e.structure_id, e.referral_id, b.made_at, b.outcome_known_at
ORDER BY e.department, e.structure_id, e.referral_id
