-- Indicateur: Signalements par destination (niveau départemental uniquement)
-- Axe: Prévention
-- Unité: signalements
-- Définition: nombre de signalements (prevention.signalement_made non retirés) faits dans l'année civile
--   (date locale), au total puis par destination (crip, 119, police, procureur...). À publier au niveau
--   du département (ou au-dessus) seulement, jamais par structure ou commune. La colonne jeunes donne le
--   nombre de jeunes distincts concernés.
-- Name: Safeguarding reports by destination (department level only)
-- Unit: safeguarding reports
-- Definition: number of safeguarding reports (prevention.signalement_made not retracted) made
--   during the calendar year (local date), in total then by destination (crip, 119, police,
--   procureur...). To be published only at the level of the department (or above), never by
--   structure or municipality. The jeunes column gives the number of distinct young people
--   concerned.
-- Sources: événements prevention (corrigés: la destination n'est dans aucun read model, voir
--   DESIGN.md §9)
-- Secret statistique: jeunes
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
s AS (
  SELECT e.department, e.youth, coalesce(e.destination, 'inconnu') AS destination
  FROM prevention e LEFT JOIN retracted x ON x.event_id = e.event_id
  WHERE x.event_id IS NULL AND e.event_type = 'prevention.signalement_made'
    AND ($department IS NULL OR e.department = $department)
    AND CAST(date_part('year', to_timestamp(date_part('epoch', e.occurred_at) + e.utc_offset_minutes * 60)) AS INT) = $year
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur,
    count(DISTINCT department || '/' || youth) AS jeunes
  FROM s
  UNION ALL
  SELECT destination, CAST(count(*) AS DOUBLE), count(DISTINCT department || '/' || youth) FROM s GROUP BY destination
) r
ORDER BY ventilation NULLS FIRST
