-- Indicateur: Part des projets menés à terme
-- Axe: Émergence d'initiatives
-- Unité: %
-- Définition: parmi les accompagnements de projet clos dans l'année civile (date locale de l'événement
--   accompaniment.closed), part de ceux dont l'issue est "projet abouti" (completed). Ventilation par
--   type d'accompagnement (individual, collective).
-- Name: Share of projects carried through to completion
-- Unit: %
-- Definition: among the project accompaniments closed during the calendar year (local date of the
--   accompaniment.closed event), share of those whose outcome is "project completed" (completed).
--   Breakdown by accompaniment type (individual, collective).
-- Sources: accompaniments; événements accompaniment (uniquement pour le décalage horaire local de la
--   clôture)
-- Secret statistique: aucun
WITH offsets AS (
  SELECT DISTINCT department, structure_id, accompaniment_id, occurred_at, utc_offset_minutes
  FROM accompaniment WHERE event_type = 'accompaniment.closed'
),
closed AS (
  SELECT coalesce(a.kind, 'inconnu') AS kind, a.outcome
  FROM accompaniments a
  JOIN offsets o ON o.department = a.department AND o.structure_id = a.structure_id
    AND o.accompaniment_id = a.accompaniment_id AND o.occurred_at = a.closed_at
  WHERE ($department IS NULL OR a.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', a.closed_at) + o.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST(count(*) FILTER (WHERE outcome = 'completed') AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE) AS valeur,
    CAST(NULL AS BIGINT) AS jeunes
  FROM closed
  UNION ALL
  SELECT kind, 100 * CAST(count(*) FILTER (WHERE outcome = 'completed') AS DOUBLE) / CAST(NULLIF(count(*), 0) AS DOUBLE),
    CAST(NULL AS BIGINT)
  FROM closed GROUP BY kind
) r
ORDER BY ventilation NULLS FIRST
