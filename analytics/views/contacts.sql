-- Vue: Chaque contact d'un Promeneur avec un jeune, tel qu'enregistré (table d'événements contact, brute).
-- View: Each contact of a Promeneur with a young person, as recorded (raw contact event table).
SELECT
  event_id AS evenement,
  occurred_at AS instant_utc,
  utc_offset_minutes AS decalage_utc_minutes,
  department,
  structure_id AS structure,
  professional_id AS professionnel,
  youth AS jeune,
  channel AS canal,
  initiated_by AS initiative_de,
  visibility AS visibilite,
  in_permanence AS en_permanence,
  permanence_id AS permanence,
  themes,
  age_band AS tranche_age,
  duration_minutes AS duree_minutes,
  response_delay_minutes AS delai_de_reponse_minutes
FROM contact
