-- Indicateur: Contacts par canal
-- Axe: Vie numérique
-- Unité: contacts
-- Définition: nombre de contacts de l'année civile (date locale du contact: occurred_at + décalage du
--   producteur), au total puis par canal (code du canal). La colonne jeunes donne le nombre de jeunes
--   distincts contactés sur ce canal.
-- Name: Contacts by channel
-- Unit: contacts
-- Definition: number of contacts of the calendar year (local date of the contact: occurred_at + the
--   producer's offset), in total then by channel (channel code). The jeunes column gives the number
--   of distinct young people contacted on that channel.
-- Sources: événements contact (corrigés; aucun read model ne compte les contacts par canal (DESIGN.md §9))
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
c AS (
  SELECT e.department, e.youth, e.channel
  FROM contact e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM c
  UNION ALL
  SELECT channel, CAST(count(*) AS DOUBLE), count(DISTINCT department || '/' || youth) FROM c GROUP BY channel
) t
ORDER BY ventilation NULLS FIRST
