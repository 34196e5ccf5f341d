-- Indicateur: Structures actives, par type et par territoire (QPV, rural)
-- Axe: Réseau / couverture
-- Unité: structures
-- Définition: nombre de structures distinctes dont au moins un professionnel a enregistré un contact
--   avec un jeune pendant l'année civile (structure de l'enveloppe du contact). Ventilations: "type:<code>"
--   selon le type déclaré à l'enregistrement de la structure (dernier événement
--   network.structure_registered non retiré; "type:inconnu" sans enregistrement), "territoire:qpv" et
--   "territoire:rural" pour les structures déclarées en QPV ou en zone rurale (une structure peut être
--   les deux).
-- Name: Active structures, by type and by area (QPV, rural)
-- Unit: structures
-- Definition: number of distinct structures at least one of whose professionals recorded a contact
--   with a young person during the calendar year (structure of the contact's envelope). Breakdowns:
--   "type:<code>" according to the type declared at the registration of the structure (last
--   network.structure_registered event not retracted; "type:inconnu" without a registration),
--   "territoire:qpv" and "territoire:rural" for the structures declared as located in a QPV
--   (priority urban neighbourhood) or in a rural area (a structure can be both).
-- Sources: professional_month; événements network (structure_registered, corrigés: aucun
--   read model ne porte le référentiel des structures, voir DESIGN.md §9)
-- Secret statistique: aucun
WITH retracted AS (
  SELECT d.target_event_id AS event_id
  FROM (SELECT target_event_id, event_type,
          row_number() OVER (PARTITION BY target_event_id ORDER BY occurred_at DESC, event_id DESC) AS latest
        FROM correction) d
  WHERE d.latest = 1 AND d.event_type = 'correction.retracted'
),
registered AS (
  SELECT r.department, r.structure_id, r.structure_type, r.qpv, r.rural
  FROM (SELECT n.department, n.structure_id, n.structure_type, n.qpv, n.rural,
          row_number() OVER (PARTITION BY n.department, n.structure_id ORDER BY n.occurred_at DESC, n.event_id DESC) AS latest
        FROM network n LEFT JOIN retracted x ON x.event_id = n.event_id
        WHERE n.event_type = 'network.structure_registered' AND x.event_id IS NULL) r
  WHERE r.latest = 1
),
actives AS (
  SELECT m.department, m.structure_id
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year
  GROUP BY m.department, m.structure_id
  HAVING sum(m.contacts) > 0
),
described AS (
  SELECT a.department, a.structure_id, coalesce(r.structure_type, 'inconnu') AS structure_type,
    coalesce(r.qpv, false) AS qpv, coalesce(r.rural, false) AS rural
  FROM actives a LEFT JOIN registered r ON r.department = a.department AND r.structure_id = a.structure_id
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes FROM described
  UNION ALL
  SELECT 'type:' || structure_type, CAST(count(*) AS DOUBLE), CAST(NULL AS BIGINT) FROM described GROUP BY structure_type
  UNION ALL
  SELECT 'territoire:qpv', CAST(count(*) AS DOUBLE), CAST(NULL AS BIGINT) FROM described WHERE qpv
  UNION ALL
  SELECT 'territoire:rural', CAST(count(*) AS DOUBLE), CAST(NULL AS BIGINT) FROM described WHERE rural
) t
ORDER BY ventilation NULLS FIRST
