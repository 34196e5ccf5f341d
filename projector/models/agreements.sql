-- Read model `agreements`: the network's reference state of CAF agreements. One row per agreement
-- (department, agreement id): whom it covers (subject 'professional' or 'structure', with the
-- professional and structure of its start event), its planned period, its actual end (the end
-- event's date if it ended early), and its last day in force (`in_force_until`). An activity event
-- is under agreement when its professional's (or structure's) agreement is in force on its local
-- date; `activity_outside_agreement` flags the others. Source: network. Sorted by the key.
WITH ev AS (
  SELECT *, row_number() OVER (PARTITION BY department, agreement_id, event_type ORDER BY occurred_at, event_id) AS nth
  FROM network WHERE agreement_id IS NOT NULL
)
SELECT department, agreement_id,
  max(agreement_subject) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started') AS subject,
  max(structure_id) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started') AS structure_id,
  max(professional_id) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started') AS professional_id,
  max(starts_on) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started') AS starts_on,
  max(ends_on) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started') AS ends_on,
  min(ended_on) FILTER (WHERE event_type = 'network.agreement_ended') AS ended_on,
  CASE WHEN min(ended_on) FILTER (WHERE event_type = 'network.agreement_ended') IS NULL
       THEN max(ends_on) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started')
       ELSE least(min(ended_on) FILTER (WHERE event_type = 'network.agreement_ended'),
                  max(ends_on) FILTER (WHERE nth = 1 AND event_type = 'network.agreement_started')) END AS in_force_until,
  count(*) FILTER (WHERE event_type = 'network.agreement_started') = 0 AS orphan_end
FROM ev
GROUP BY department, agreement_id
ORDER BY department, agreement_id
