-- Read model `activity_outside_agreement`: contacts recorded by each professional per local month,
-- and how many of them fall outside every CAF agreement in force that day (neither the
-- professional's nor their structure's agreement, per the `agreements` model). Flagged, never
-- dropped: the events stay in the store and in every other model. As for `youth_month`, a month at a
-- UTC partition boundary may have a second row: aggregate with GROUP BY.
-- Sources: contact; uses the model `agreements`. Sorted by the key.
WITH activity AS (
  SELECT event_id, department, structure_id, professional_id,
    CAST(to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000) AS DATE) AS local_date
  FROM contact
), covered AS (
  -- Two equality joins, one per subject (not one join on an OR, which pairs every contact with
  -- every agreement of its department).
  SELECT a.event_id
  FROM activity a JOIN agreements g
    ON g.department = a.department AND g.professional_id = a.professional_id
  WHERE g.subject = 'professional' AND a.local_date BETWEEN g.starts_on AND g.in_force_until
  UNION
  SELECT a.event_id
  FROM activity a JOIN agreements g
    ON g.department = a.department AND g.structure_id = a.structure_id
  WHERE g.subject = 'structure' AND a.local_date BETWEEN g.starts_on AND g.in_force_until
)
SELECT a.department, a.structure_id, a.professional_id,
  CAST(date_trunc('month', a.local_date) AS DATE) AS month_start,
  count(*) AS contacts,
  count(*) FILTER (WHERE c.event_id IS NULL) AS contacts_outside_agreement
FROM activity a LEFT JOIN covered c ON c.event_id = a.event_id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
