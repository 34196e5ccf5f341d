-- Indicateur: Initiatives collectives en ligne
-- Axe: Émergence d'initiatives
-- Unité: initiatives
-- Définition: nombre d'initiatives collectives en ligne tenues (atelier, défi, événement: événements
--   initiative.held non retirés) dans l'année civile (date locale), au total puis par format.
-- Name: Collective online initiatives
-- Unit: initiatives
-- Definition: number of collective online initiatives held (workshop, challenge, event:
--   initiative.held events not retracted) during the calendar year (local date), in total then by
--   format.
-- Sources: événements initiative (corrigés; aucun read model ne porte les initiatives, voir
--   DESIGN.md §9)
-- Secret statistique: aucun
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
held AS (
  SELECT e.format
  FROM initiative e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND e.event_type = 'initiative.held'
    AND ($department IS NULL OR e.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes FROM held
  UNION ALL
  SELECT coalesce(format, 'inconnu'), CAST(count(*) AS DOUBLE), CAST(NULL AS BIGINT) FROM held GROUP BY coalesce(format, 'inconnu')
) r
ORDER BY ventilation NULLS FIRST
