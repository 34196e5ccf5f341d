-- Indicateur: Délai entre le premier contact et l'entrée dans un projet
-- Axe: Émergence d'initiatives
-- Unité: jours (médiane)
-- Définition: pour chaque jeune entré pour la première fois dans un accompagnement de projet pendant
--   l'année civile (premier événement d'ouverture ou de mise à jour le nommant, date locale) et ayant eu
--   un contact en ligne avant, durée en jours (24 h, avec décimales) entre son premier contact connu et
--   cette entrée; médiane sur ces jeunes.
-- Name: Time between the first contact and entry into a project
-- Unit: days (median)
-- Definition: for each young person who entered a project accompaniment for the first time during
--   the calendar year (first opening or update event naming them, local date) and who had had an
--   online contact before, time in days (24 h, with decimals) between their first known contact and
--   this entry; median over these young people.
-- Sources: youth_month (contact_at); événements accompaniment (corrigés: le read model
--   accompaniments ne nomme pas les jeunes et youth_month ne garde que le mois, voir DESIGN.md §9)
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
named AS (
  SELECT u.department, u.youth, u.occurred_at, u.utc_offset_minutes
  FROM (SELECT e.department, unnest(e.youths) AS youth, e.occurred_at, e.utc_offset_minutes
        FROM accompaniment e LEFT JOIN retracted x ON x.event_id = e.event_id
        WHERE x.event_id IS NULL AND e.event_type IN ('accompaniment.opened', 'accompaniment.updated')
          AND ($department IS NULL OR e.department = $department)) u
),
entry AS (
  SELECT n.department, n.youth, n.occurred_at AS entered_at,
    CAST(date_part('year', to_timestamp(date_part('epoch', n.occurred_at) + n.utc_offset_minutes * 60)) AS INT) AS year
  FROM (SELECT department, youth, occurred_at, utc_offset_minutes,
          row_number() OVER (PARTITION BY department, youth ORDER BY occurred_at) AS n
        FROM named) n
  WHERE n.n = 1
),
first_contact AS (
  SELECT u.department, u.youth, min(u.t) AS t0
  FROM (SELECT y.department, y.youth, unnest(y.contact_at) AS t
        FROM youth_month y
        WHERE ($department IS NULL OR y.department = $department) AND y.contacts > 0) u
  GROUP BY u.department, u.youth
),
delays AS (
  SELECT e.department, e.youth, (date_part('epoch', e.entered_at) - date_part('epoch', c.t0)) / 86400 AS days
  FROM entry e JOIN first_contact c ON c.department = e.department AND c.youth = e.youth
  WHERE e.year = $year AND c.t0 <= e.entered_at
)
SELECT CAST(NULL AS VARCHAR) AS ventilation, median(days) AS valeur, count(*) AS jeunes
FROM delays
ORDER BY ventilation NULLS FIRST
