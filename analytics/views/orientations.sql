-- Vue: Chaque orientation d'un jeune vers un service, et sa suite (read model referrals).
-- View: Each referral of a young person to a service, and its outcome (read model referrals).
SELECT
  department,
  structure_id AS structure,
  referral_id AS orientation,
  professional_id AS professionnel,
  youth AS jeune,
  destination,
  urgency AS urgence,
  age_band AS tranche_age,
  made_at AS faite_le,
  outcome_known_at AS suite_connue_le,
  outcome AS suite,
  state AS etat,
  days_to_outcome AS jours_avant_la_suite,
  invalid_transitions AS transitions_invalides
FROM referrals
