-- Read model `youth_month`: the relationship of each young person with the network, month by month.
-- One row per young person (pseudonym, within a department) and local calendar month (the month of
-- the producer's local time, as the reports count) in which any event names them; a month whose
-- first or last hours fall in another UTC partition may have a second row there: aggregate with
-- GROUP BY (sums, min, max, list concatenation), never by taking one row.
-- Facts: contacts (count, initiated by the youth, private, during a permanence; each contact's instant; the instants of
-- those raising a sensitive theme; first public and last private contact, for deepening), channels,
-- the latest age band, attendances at a structure (each instant; new to the structure), referrals
-- made, accompaniments joined, concerns flagged and signalements made.
-- Sources: contact, attendance, referral, accompaniment, prevention. Sorted by the key.
WITH local_contact AS (
  SELECT *, CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start
  FROM contact
), sensitive AS (
  SELECT DISTINCT t.event_id
  FROM (SELECT event_id, unnest(themes) AS theme FROM contact) t
  JOIN sensitive_themes s ON t.theme = s.theme
), contacts AS (
  -- Lists of instants are array_sort(array_agg(t)): the same list as array_agg(t ORDER BY t, ...)
  -- (it holds the instants alone), without DataFusion's ordered aggregation, 20 times slower. The
  -- channels likewise: array_agg(DISTINCT) beside other aggregates keeps one accumulator per
  -- group, and made this query three times as slow as array_distinct over a plain array_agg.
  SELECT c.department, c.youth, c.month_start,
    count(*) AS contacts,
    count(*) FILTER (WHERE c.initiated_by = 'youth') AS contacts_initiated_by_youth,
    count(*) FILTER (WHERE c.visibility = 'private') AS contacts_private,
    count(*) FILTER (WHERE c.in_permanence) AS contacts_in_permanence,
    array_sort(array_agg(c.occurred_at)) AS contact_at,
    array_sort(array_agg(c.occurred_at) FILTER (WHERE s.event_id IS NOT NULL)) AS sensitive_contact_at,
    min(c.occurred_at) FILTER (WHERE c.visibility = 'public') AS first_public_contact_at,
    max(c.occurred_at) FILTER (WHERE c.visibility = 'private') AS last_private_contact_at,
    array_sort(array_distinct(array_agg(c.channel))) AS channels,
    first_value(c.age_band ORDER BY c.occurred_at DESC, c.event_id DESC) AS age_band
  FROM local_contact c LEFT JOIN sensitive s ON c.event_id = s.event_id
  GROUP BY c.department, c.youth, c.month_start
), attendances AS (
  SELECT department, youth,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start,
    count(*) AS attendances,
    count(*) FILTER (WHERE new_to_structure) AS attendances_new_to_structure,
    array_sort(array_agg(occurred_at)) AS attended_at
  FROM attendance GROUP BY 1, 2, 3
), others AS (
  SELECT department, youth,
    CAST(date_trunc('month', to_timestamp_micros(CAST(occurred_at AS BIGINT) + CAST(utc_offset_minutes AS BIGINT) * 60000000)) AS DATE) AS month_start,
    count(*) FILTER (WHERE kind = 'referral') AS referrals_made,
    count(DISTINCT accompaniment_id) FILTER (WHERE kind = 'accompaniment') AS accompaniments_joined,
    count(*) FILTER (WHERE kind = 'concern') AS concerns_flagged,
    count(*) FILTER (WHERE kind = 'signalement') AS signalements_made
  FROM (
    SELECT department, youth, occurred_at, utc_offset_minutes, 'referral' AS kind, CAST(NULL AS VARCHAR) AS accompaniment_id
      FROM referral WHERE event_type = 'referral.made'
    UNION ALL
    SELECT department, unnest(youths), occurred_at, utc_offset_minutes, 'accompaniment', accompaniment_id
      FROM accompaniment WHERE event_type IN ('accompaniment.opened', 'accompaniment.updated')
    UNION ALL
    SELECT department, youth, occurred_at, utc_offset_minutes,
      CASE WHEN event_type = 'prevention.concern_flagged' THEN 'concern' ELSE 'signalement' END, NULL
      FROM prevention
  ) GROUP BY 1, 2, 3
), keys AS (
  SELECT department, youth, month_start FROM contacts
  UNION SELECT department, youth, month_start FROM attendances
  UNION SELECT department, youth, month_start FROM others
)
SELECT k.department, k.youth, k.month_start,
  coalesce(c.contacts, 0) AS contacts,
  coalesce(c.contacts_initiated_by_youth, 0) AS contacts_initiated_by_youth,
  coalesce(c.contacts_private, 0) AS contacts_private,
  coalesce(c.contacts_in_permanence, 0) AS contacts_in_permanence,
  c.contact_at, c.sensitive_contact_at,
  c.first_public_contact_at, c.last_private_contact_at,
  c.channels, c.age_band,
  coalesce(a.attendances, 0) AS attendances,
  coalesce(a.attendances_new_to_structure, 0) AS attendances_new_to_structure,
  a.attended_at,
  coalesce(o.referrals_made, 0) AS referrals_made,
  coalesce(o.accompaniments_joined, 0) AS accompaniments_joined,
  coalesce(o.concerns_flagged, 0) AS concerns_flagged,
  coalesce(o.signalements_made, 0) AS signalements_made
FROM keys k
LEFT JOIN contacts c ON c.department = k.department AND c.youth = k.youth AND c.month_start = k.month_start
LEFT JOIN attendances a ON a.department = k.department AND a.youth = k.youth AND a.month_start = k.month_start
LEFT JOIN others o ON o.department = k.department AND o.youth = k.youth AND o.month_start = k.month_start
ORDER BY k.department, k.youth, k.month_start
