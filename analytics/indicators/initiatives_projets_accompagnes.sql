-- Indicateur: Projets accompagnés (ouverts dans l'année)
-- Axe: Émergence d'initiatives
-- Unité: projets
-- Définition: nombre d'accompagnements de projet ouverts dans l'année civile (date locale de l'événement
--   accompaniment.opened), au total puis par type ("individual" individuel, "collective" collectif).
--   Les accompagnements sans ouverture (état "orphan") ne comptent pas.
-- Name: Accompanied projects (opened during the year)
-- Unit: projects
-- Definition: number of project accompaniments opened during the calendar year (local date of the
--   accompaniment.opened event), in total then by type ("individual", "collective"). Accompaniments
--   without an opening (state "orphan") do not count.
-- Sources: accompaniments; événements accompaniment (uniquement pour le décalage horaire local de
--   l'ouverture)
-- Secret statistique: aucun
WITH offsets AS (
  SELECT DISTINCT department, structure_id, accompaniment_id, occurred_at, utc_offset_minutes
  FROM accompaniment WHERE event_type = 'accompaniment.opened'
),
opened AS (
  SELECT a.kind
  FROM accompaniments a
  JOIN offsets o ON o.department = a.department AND o.structure_id = a.structure_id
    AND o.accompaniment_id = a.accompaniment_id AND o.occurred_at = a.opened_at
  WHERE ($department IS NULL OR a.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', a.opened_at) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes FROM opened
  UNION ALL
  SELECT coalesce(kind, 'inconnu'), CAST(count(*) AS DOUBLE), CAST(NULL AS BIGINT) FROM opened GROUP BY coalesce(kind, 'inconnu')
) r
ORDER BY ventilation NULLS FIRST
