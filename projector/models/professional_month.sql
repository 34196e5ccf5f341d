-- Read model `professional_month`: each professional's activity per local calendar month, within a
-- structure: contacts, distinct youths, channels used, permanences held and their minutes. As for
-- `youth_month`, a month at a UTC partition boundary may have a second row: aggregate with GROUP BY.
-- Sources: contact, permanence. Sorted by the key.
WITH activity AS (
  SELECT department, structure_id, professional_id, youth, channel, 'contact' AS kind, 0 AS minutes,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start
  FROM contact
  UNION ALL
  SELECT department, structure_id, professional_id, NULL, NULL, 'permanence',
    (CAST(slot_end AS BIGINT) - CAST(slot_start AS BIGINT)) / 60000000,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE)
  FROM permanence WHERE event_type = 'permanence.held'
)
SELECT department, structure_id, professional_id, month_start,
  count(*) FILTER (WHERE kind = 'contact') AS contacts,
  count(DISTINCT youth) AS youths_in_contact,
  array_sort(array_agg(DISTINCT channel) FILTER (WHERE channel IS NOT NULL)) AS channels,
  count(*) FILTER (WHERE kind = 'permanence') AS permanences_held,
  sum(minutes) AS permanence_minutes
FROM activity
GROUP BY department, structure_id, professional_id, month_start
ORDER BY department, structure_id, professional_id, month_start
