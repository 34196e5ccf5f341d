-- Vue: Chaque permanence en ligne : annoncée, tenue ou annulée (read model permanences).
-- View: Each online drop-in session: announced, held or cancelled (read model permanences).
SELECT
  department,
  structure_id AS structure,
  permanence_id AS permanence,
  professional_id AS professionnel,
  scheduled_at AS annoncee_le,
  slot_start AS debut_du_creneau,
  slot_end AS fin_du_creneau,
  held_at AS tenue_le,
  cancelled_at AS annulee_le,
  state AS etat,
  channels AS canaux,
  youths_reached AS jeunes_touches,
  minutes_held AS minutes_tenues,
  cancel_reason AS motif_d_annulation,
  invalid_transitions AS transitions_invalides
FROM permanences
