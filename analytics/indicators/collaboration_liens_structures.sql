-- Indicateur: Liens entre structures (réseau de collaboration)
-- Axe: Pratiques collaboratives
-- Unité: liens
-- Définition: les paires de structures qui ont travaillé ensemble dans l'année civile (date locale), selon
--   le graphe de collaboration: rencontre, formation, projet commun ou échange les nommant toutes deux
--   ("meeting"), co-accompagnement d'un projet ("co_accompaniment"), initiative en partenariat
--   ("initiative"). Une ligne par paire, ventilation "structure_a|structure_b" (identifiants des
--   structures tels qu'enregistrés, structure_a < structure_b), valeur: nombre de liens entre elles dans
--   l'année, toutes natures confondues (somme des poids du graphe, c'est-à-dire des événements distincts
--   qui les réunissent). Total: nombre de paires distinctes liées (numérateur de "Densité du réseau de
--   structures (travail en commun)"). Sur plusieurs départements, une paire est identifiée par ses seuls
--   identifiants de structure et ses liens de tous les départements s'additionnent.
-- Name: Links between structures (collaboration network)
-- Unit: links
-- Definition: the pairs of structures that worked together in the calendar year (local date), from the
--   collaboration graph: a meeting, training, joint project or exchange naming both ("meeting"),
--   co-accompaniment of a project ("co_accompaniment"), an initiative in partnership ("initiative").
--   One row per pair, breakdown "structure_a|structure_b" (structure identifiers as recorded,
--   structure_a < structure_b), value: number of links between them in the year, all kinds together
--   (sum of the graph's weights, that is of the distinct events bringing them together). Total: number
--   of distinct linked pairs (numerator of "Density of the network of structures (joint work)"). Across
--   departments, a pair is identified by its structure identifiers alone and its links in every
--   department add up.
-- Sources: collaboration_edges (node_kind = structure)
-- Secret statistique: aucun
WITH edges AS (
  SELECT e.node_a, e.node_b, e.weight
  FROM collaboration_edges e
  WHERE ($department IS NULL OR e.department = $department) AND e.year = $year AND e.node_kind = 'structure'
),
pairs AS (
  SELECT node_a || '|' || node_b AS pair, sum(weight) AS links FROM edges GROUP BY node_a, node_b
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation, CAST(count(*) AS DOUBLE) AS valeur, CAST(NULL AS BIGINT) AS jeunes
  FROM pairs
  UNION ALL
  SELECT pair, CAST(links AS DOUBLE), CAST(NULL AS BIGINT) FROM pairs
) r
ORDER BY ventilation NULLS FIRST
