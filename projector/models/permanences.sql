-- Read model `permanences`: each online permanence (department, structure, permanence id) as a state
-- machine: scheduled -> held | cancelled. state: 'scheduled' (announced, not yet held or cancelled),
-- 'held', 'cancelled', or 'unannounced' (held or cancelled with no announcement). invalid_transitions
-- counts a second announcement, a second holding or cancelling, and a permanence both held and
-- cancelled. minutes_held: the held slot's length. (Contacts made during a permanence are counted in
-- `youth_month` and `professional_month`; reading every contact here would make this small model
-- cost as much as the whole history.) Source: permanence. Sorted by the key.
WITH ev AS (
  SELECT *, row_number() OVER (PARTITION BY department, structure_id, permanence_id, event_type
                               ORDER BY occurred_at, event_id) AS nth
  FROM permanence
), machine AS (
  SELECT department, structure_id, permanence_id,
    max(professional_id) FILTER (WHERE nth = 1 AND event_type = 'permanence.scheduled') AS professional_id,
    min(occurred_at) FILTER (WHERE event_type = 'permanence.scheduled') AS scheduled_at,
    min(occurred_at) FILTER (WHERE event_type = 'permanence.held') AS held_at,
    min(occurred_at) FILTER (WHERE event_type = 'permanence.cancelled') AS cancelled_at,
    max(slot_start) FILTER (WHERE nth = 1 AND event_type IN ('permanence.scheduled', 'permanence.held')) AS slot_start,
    max(slot_end) FILTER (WHERE nth = 1 AND event_type IN ('permanence.scheduled', 'permanence.held')) AS slot_end,
    array_sort(array_distinct(flatten(array_agg(channels)))) AS channels,
    max(youths_reached) FILTER (WHERE nth = 1 AND event_type = 'permanence.held') AS youths_reached,
    max((CAST(slot_end AS BIGINT) - CAST(slot_start AS BIGINT)) / 60000000) FILTER (WHERE nth = 1 AND event_type = 'permanence.held') AS minutes_held,
    max(cancel_reason) FILTER (WHERE nth = 1 AND event_type = 'permanence.cancelled') AS cancel_reason,
    count(*) FILTER (WHERE nth > 1) AS repeated
  FROM ev GROUP BY 1, 2, 3
)
SELECT m.department, m.structure_id, m.permanence_id, m.professional_id,
  m.scheduled_at, m.slot_start, m.slot_end, m.held_at, m.cancelled_at,
  CASE WHEN m.scheduled_at IS NULL AND m.held_at IS NULL AND m.cancelled_at IS NULL THEN 'orphan'
       WHEN m.scheduled_at IS NULL THEN 'unannounced'
       WHEN m.held_at IS NOT NULL THEN 'held'
       WHEN m.cancelled_at IS NOT NULL THEN 'cancelled'
       ELSE 'scheduled' END AS state,
  m.channels, m.youths_reached, m.minutes_held, m.cancel_reason,
  m.repeated + CASE WHEN m.held_at IS NOT NULL AND m.cancelled_at IS NOT NULL THEN 1 ELSE 0 END AS invalid_transitions
FROM machine m
ORDER BY m.department, m.structure_id, m.permanence_id
