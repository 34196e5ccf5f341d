-- Indicateur: Densité du réseau de structures (travail en commun)
-- Axe: Pratiques collaboratives
-- Unité: %
-- Définition: part des paires de structures actives du département qui ont travaillé ensemble dans
--   l'année civile (au moins un lien du graphe de collaboration: rencontre, formation, projet commun ou
--   échange les nommant toutes deux; co-accompagnement d'un projet; initiative en partenariat). Structures
--   du graphe: celles ayant eu un contact avec un jeune dans l'année plus celles nommées par un lien.
--   Densité = liens distincts / (n × (n - 1) / 2); sur plusieurs départements, somme des liens sur somme
--   des paires possibles de chaque département (pas de paire entre départements). Ventilation par nature
--   de lien: "meeting", "co_accompaniment", "initiative". Les orientations vont vers des services hors
--   réseau (types de destination, pas des structures): elles ne créent pas de lien.
-- Name: Density of the network of structures (joint work)
-- Unit: %
-- Definition: share of the pairs of active structures in the department that worked together during
--   the calendar year (at least one link in the collaboration graph: a meeting, training, joint
--   project or exchange naming both of them; co-accompaniment of a project; initiative in
--   partnership). Structures in the graph: those that had a contact with a young person during the
--   year plus those named by a link. Density = distinct links / (n × (n - 1) / 2); over several
--   departments, the sum of the links over the sum of the possible pairs of each department (no
--   pair across departments). Breakdown by kind of link: "meeting", "co_accompaniment",
--   "initiative". Referrals go to services outside the network (destination types, not structures):
--   they do not create a link.
-- Sources: collaboration_edges (node_kind = structure), professional_month
-- Secret statistique: aucun
WITH edges AS (
  SELECT e.department, e.node_a, e.node_b, e.kind
  FROM collaboration_edges e
  WHERE ($department IS NULL OR e.department = $department) AND e.year = $year AND e.node_kind = 'structure'
),
nodes AS (
  SELECT m.department, m.structure_id AS node
  FROM professional_month m
  WHERE ($department IS NULL OR m.department = $department)
    AND CAST(date_part('year', m.month_start) AS INT) = $year AND m.contacts > 0
  UNION
  SELECT department, node_a FROM edges
  UNION
  SELECT department, node_b FROM edges
),
pairs AS (
  SELECT department, CAST(count(*) AS DOUBLE) * (CAST(count(*) AS DOUBLE) - 1) / 2 AS possible
  FROM nodes GROUP BY department
),
linked AS (
  SELECT DISTINCT department, node_a, node_b, CAST(NULL AS VARCHAR) AS kind FROM edges
  UNION ALL
  SELECT DISTINCT department, node_a, node_b, kind FROM edges
)
SELECT ventilation, valeur, jeunes FROM (
  SELECT CAST(NULL AS VARCHAR) AS ventilation,
    100 * CAST((SELECT count(*) FROM linked WHERE kind IS NULL) AS DOUBLE) / NULLIF((SELECT sum(possible) FROM pairs), 0) AS valeur,
    CAST(NULL AS BIGINT) AS jeunes
  UNION ALL
  SELECT l.kind, 100 * CAST(count(*) AS DOUBLE) / NULLIF((SELECT sum(possible) FROM pairs), 0), CAST(NULL AS BIGINT)
  FROM linked l WHERE l.kind IS NOT NULL GROUP BY l.kind
) r
ORDER BY ventilation NULLS FIRST
