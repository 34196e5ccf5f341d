-- Read model `accompaniments`: each project accompaniment (department, structure, accompaniment id)
-- as a state machine: opened -> updated* -> closed.
-- state: 'open', 'closed', or 'orphan' (updates or a closing with no opening). invalid_transitions
-- counts the events that do not fit the machine: an update or closing before the opening or without
-- one, a second opening or closing, an update after the closing. Such events are reported, never
-- dropped from the log. Youths and partners: at opening, added and left by updates; co-structures
-- and co-professionals: every one named, sorted. Source: accompaniment. Sorted by the key.
WITH ev AS (
  SELECT *, row_number() OVER (PARTITION BY department, structure_id, accompaniment_id, event_type
                               ORDER BY occurred_at, event_id) AS nth
  FROM accompaniment
), bounds AS (
  SELECT department, structure_id, accompaniment_id,
    min(occurred_at) FILTER (WHERE event_type = 'accompaniment.opened') AS opened_at,
    min(occurred_at) FILTER (WHERE event_type = 'accompaniment.closed') AS closed_at
  FROM ev GROUP BY 1, 2, 3
)
SELECT e.department, e.structure_id, e.accompaniment_id,
  max(e.professional_id) FILTER (WHERE e.event_type = 'accompaniment.opened' AND e.nth = 1) AS professional_id,
  max(e.kind) FILTER (WHERE e.event_type = 'accompaniment.opened' AND e.nth = 1) AS kind,
  max(e.theme) FILTER (WHERE e.event_type = 'accompaniment.opened' AND e.nth = 1) AS theme,
  b.opened_at, b.closed_at,
  max(e.outcome) FILTER (WHERE e.event_type = 'accompaniment.closed' AND e.nth = 1) AS outcome,
  CASE WHEN b.opened_at IS NULL THEN 'orphan' WHEN b.closed_at IS NULL THEN 'open' ELSE 'closed' END AS state,
  coalesce(max(cardinality(e.youths)) FILTER (WHERE e.event_type = 'accompaniment.opened' AND e.nth = 1), 0) AS youths_at_opening,
  coalesce(sum(cardinality(e.youths)) FILTER (WHERE e.event_type = 'accompaniment.updated'), 0) AS youths_added,
  coalesce(sum(cardinality(e.youths_left)) FILTER (WHERE e.event_type = 'accompaniment.updated'), 0) AS youths_left,
  count(*) FILTER (WHERE e.event_type = 'accompaniment.updated') AS updates,
  array_sort(array_distinct(flatten(array_agg(e.co_structures)))) AS co_structures,
  array_sort(array_distinct(flatten(array_agg(e.co_professionals)))) AS co_professionals,
  count(*) FILTER (WHERE e.event_type <> 'accompaniment.updated' AND e.nth > 1)
    + count(*) FILTER (WHERE e.event_type <> 'accompaniment.opened' AND (b.opened_at IS NULL OR e.occurred_at < b.opened_at))
    + count(*) FILTER (WHERE e.event_type = 'accompaniment.updated' AND e.occurred_at > b.closed_at) AS invalid_transitions
FROM ev e JOIN bounds b
  ON b.department = e.department AND b.structure_id = e.structure_id AND b.accompaniment_id = e.accompaniment_id
GROUP BY e.department, e.structure_id, e.accompaniment_id, b.opened_at, b.closed_at
ORDER BY e.department, e.structure_id, e.accompaniment_id
