-- Vue: Chaque accompagnement de projet, de l'ouverture à la clôture (read model accompaniments).
-- View: Each project accompaniment, from opening to closing (read model accompaniments).
SELECT
  department,
  structure_id AS structure,
  accompaniment_id AS accompagnement,
  professional_id AS professionnel,
  kind AS nature,
  theme,
  opened_at AS ouvert_le,
  closed_at AS clos_le,
  outcome AS issue,
  state AS etat,
  youths_at_opening AS jeunes_a_l_ouverture,
  youths_added AS jeunes_ajoutes,
  youths_left AS jeunes_partis,
  updates AS mises_a_jour,
  co_structures AS structures_partenaires,
  co_professionals AS professionnels_partenaires,
  invalid_transitions AS transitions_invalides
FROM accompaniments
