-- Vue: L'activité de chaque professionnel dans chaque structure, mois par mois (read model professional_month).
-- View: Each professional's activity in each structure, month by month (read model professional_month).
SELECT
  department,
  structure_id AS structure,
  professional_id AS professionnel,
  month_start AS mois,
  contacts,
  youths_in_contact AS jeunes_en_contact,
  channels AS canaux,
  permanences_held AS permanences_tenues,
  permanence_minutes AS minutes_de_permanence
FROM professional_month
