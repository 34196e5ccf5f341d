-- Indicateur: Contacts par thème
-- Axe: Lien social
-- Unité: contacts
-- Définition: nombre de contacts de l'année civile (date locale du contact: occurred_at + décalage du
--   producteur) par thème abordé (code du thème). Un contact aborde 1 à 5 thèmes distincts (règle de
--   validation): il compte une fois dans chacun de ses thèmes, si bien que la somme des thèmes dépasse
--   le total. Le total compte une fois chaque contact de l'année ayant au moins un thème, c'est-à-dire
--   tous les contacts de l'année (même total que "Contacts par canal"). La colonne jeunes donne le
--   nombre de jeunes distincts ayant eu au moins un contact sur ce thème (le total: au moins un contact).
-- Name: Contacts by topic
-- Unit: contacts
-- Definition: number of contacts in the calendar year (local date of the contact: occurred_at plus the
--   producer's offset) by topic raised (topic code). A contact raises 1 to 5 distinct topics (a
--   validation rule): it counts once in each of its topics, so the topics add up to more than the
--   total. The total counts once each contact of the year with at least one topic, that is every
--   contact of the year (same total as "Contacts by channel"). The jeunes column gives the number of
--   distinct young people with at least one contact on the topic (the total: at least one contact).
-- Sources: événements contact (corrigés; les thèmes ne sont dans aucun read model (DESIGN.md §9))
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
c AS (
  SELECT e.event_id, e.department, e.youth, e.themes
  FROM contact e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND ($department IS NULL OR e.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
),
themed AS (
  SELECT DISTINCT u.event_id, u.department, u.youth, u.theme
  FROM (SELECT event_id, department, youth, unnest(themes) AS theme FROM c) u
  WHERE u.theme IS NOT NULL
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(DISTINCT event_id) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM themed
  UNION ALL
  SELECT theme, CAST(count(*) AS DOUBLE), count(DISTINCT department || '/' || youth) FROM themed GROUP BY theme
) t
ORDER BY ventilation NULLS FIRST
