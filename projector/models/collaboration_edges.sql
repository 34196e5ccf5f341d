-- Read model `collaboration_edges`: the collaboration graph, per department and local year. An edge
-- joins two structures or two professionals (node_a < node_b) that worked together, by kind:
-- 'meeting' (a network meeting, training, co-project or exchange naming both), 'co_accompaniment'
-- (an accompaniment's structure or professional and a co-accompanying one), 'initiative' (an
-- initiative's structure and a partner structure). weight: the number of distinct events joining
-- them. Referrals go to services outside the network (destination types, not structures), so they
-- are not edges. Monthly: one file per UTC month partition of the events, so an edge has a row in
-- each month an event makes it; each event lies in one partition, so the year's weight is the sum
-- of its rows (aggregate with GROUP BY), and one more day recomputes one month, not the year.
-- Sources: collaboration, accompaniment, initiative. Sorted by the key.
WITH meeting_members AS (
  SELECT event_id, department, CAST(date_part('year', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS INT) AS year, 'structure' AS node_kind, unnest(array_distinct(structures)) AS node
  FROM collaboration
  UNION ALL
  SELECT event_id, department, CAST(date_part('year', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS INT), 'professional', unnest(array_distinct(participants))
  FROM collaboration
), partners AS (
  SELECT event_id, department, CAST(date_part('year', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS INT) AS year, 'co_accompaniment' AS kind, 'structure' AS node_kind,
    structure_id AS node, unnest(array_distinct(co_structures)) AS partner
  FROM accompaniment WHERE event_type IN ('accompaniment.opened', 'accompaniment.updated')
  UNION ALL
  SELECT event_id, department, CAST(date_part('year', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS INT), 'co_accompaniment', 'professional', professional_id, unnest(array_distinct(co_professionals))
  FROM accompaniment WHERE event_type IN ('accompaniment.opened', 'accompaniment.updated')
  UNION ALL
  SELECT event_id, department, CAST(date_part('year', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS INT), 'initiative', 'structure', structure_id, unnest(array_distinct(partner_structures))
  FROM initiative
), pairs AS (
  SELECT a.department, a.year, 'meeting' AS kind, a.node_kind, a.node AS node_a, b.node AS node_b, a.event_id
  FROM meeting_members a JOIN meeting_members b
    ON a.event_id = b.event_id AND a.department = b.department AND a.year = b.year
   AND a.node_kind = b.node_kind AND a.node < b.node
  UNION ALL
  SELECT department, year, kind, node_kind, least(node, partner), greatest(node, partner), event_id
  FROM partners WHERE partner <> node
)
-- Each list is made distinct before it is unnested, so an event gives each of its edges once: the
-- count of pairs is the count of distinct events, without a DISTINCT over (edge, event_id), which
-- took two thirds of this query's CPU (794k pairs of a national year).
SELECT department, year, node_kind, node_a, node_b, kind, count(*) AS weight
FROM pairs
GROUP BY department, year, node_kind, node_a, node_b, kind
ORDER BY department, year, node_kind, node_a, node_b, kind
