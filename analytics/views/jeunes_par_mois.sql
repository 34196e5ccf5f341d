-- Vue: La relation de chaque jeune (pseudonyme) avec le réseau, mois par mois (read model youth_month).
-- View: Each young person's relationship with the network, month by month (read model youth_month).
SELECT
  department,
  youth AS jeune,
  month_start AS mois,
  contacts,
  contacts_initiated_by_youth AS contacts_a_l_initiative_du_jeune,
  contacts_private AS contacts_prives,
  contacts_in_permanence AS contacts_en_permanence,
  contact_at AS instants_des_contacts,
  sensitive_contact_at AS instants_des_contacts_sensibles,
  first_public_contact_at AS premier_contact_public,
  last_private_contact_at AS dernier_contact_prive,
  channels AS canaux,
  age_band AS tranche_age,
  attendances AS venues_en_structure,
  attendances_new_to_structure AS venues_nouveau_dans_la_structure,
  attended_at AS instants_des_venues,
  referrals_made AS orientations,
  accompaniments_joined AS accompagnements_rejoints,
  concerns_flagged AS preoccupations,
  signalements_made AS signalements
FROM youth_month
