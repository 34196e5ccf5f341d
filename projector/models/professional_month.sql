-- Read model `professional_month`: each professional's activity per local calendar month, within a
-- structure: contacts, distinct youths, channels used, permanences held and their minutes. As for
-- `youth_month`, a month at a UTC partition boundary may have a second row: aggregate with GROUP BY.
-- Sources: contact, permanence. Sorted by the key.
WITH contacts AS (
  -- Contacts, distinct youths and permanences are aggregated apart, then joined on the key: one
  -- aggregation of all three (two distinct aggregates, FILTER clauses) took twice as long. Channels
  -- are array_distinct over a plain array_agg, not array_agg(DISTINCT) (see youth_month).
  SELECT department, structure_id, professional_id,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start,
    count(*) AS contacts,
    array_sort(array_distinct(array_agg(channel))) AS channels
  FROM contact
  GROUP BY 1, 2, 3, 4
), youths AS (
  SELECT department, structure_id, professional_id, month_start, count(*) AS youths_in_contact
  FROM (
    SELECT DISTINCT department, structure_id, professional_id,
      CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start,
      youth
    FROM contact
  )
  GROUP BY 1, 2, 3, 4
), permanences AS (
  SELECT department, structure_id, professional_id,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start,
    count(*) AS permanences_held,
    sum((CAST(slot_end AS BIGINT) - CAST(slot_start AS BIGINT)) / 60000000) AS permanence_minutes
  FROM permanence WHERE event_type = 'permanence.held'
  GROUP BY 1, 2, 3, 4
), keys AS (
  SELECT department, structure_id, professional_id, month_start FROM contacts
  UNION SELECT department, structure_id, professional_id, month_start FROM permanences
)
SELECT k.department, k.structure_id, k.professional_id, k.month_start,
  coalesce(c.contacts, 0) AS contacts,
  coalesce(y.youths_in_contact, 0) AS youths_in_contact,
  c.channels,
  coalesce(p.permanences_held, 0) AS permanences_held,
  -- A held permanence has both slots: its minutes are never null, and a month without one has 0.
  CASE WHEN p.permanences_held IS NULL THEN 0 ELSE p.permanence_minutes END AS permanence_minutes
FROM keys k
LEFT JOIN contacts c ON c.department = k.department AND c.structure_id = k.structure_id
  AND c.professional_id = k.professional_id AND c.month_start = k.month_start
LEFT JOIN youths y ON y.department = k.department AND y.structure_id = k.structure_id
  AND y.professional_id = k.professional_id AND y.month_start = k.month_start
LEFT JOIN permanences p ON p.department = k.department AND p.structure_id = k.structure_id
  AND p.professional_id = k.professional_id AND p.month_start = k.month_start
ORDER BY k.department, k.structure_id, k.professional_id, k.month_start
