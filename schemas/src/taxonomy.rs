//! The closed vocabularies of DOMAIN.md §3 (and the small enums events need), each value with its
//! wire code (snake_case, what producers send and what the lake stores) and its French and English
//! labels (what reports show).
//!
//! Invariant: codes are stable. A code is never renamed or reused; a new value is added at the end.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Defines a taxonomy: an enum whose variants serialise as their wire code, with labels.
macro_rules! taxonomy {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $fr:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $( #[doc = $en] #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire code, as sent by producers and stored in the lake.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The label shown in French reports.
            pub fn label_fr(self) -> &'static str {
                match self { $($name::$variant => $fr),+ }
            }

            /// The label shown in English reports.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// The value whose wire code is `code`, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

taxonomy! {
    /// The social network or medium a contact happened on.
    Channel {
        Instagram = "instagram", "Instagram", "Instagram";
        Snapchat = "snapchat", "Snapchat", "Snapchat";
        Tiktok = "tiktok", "TikTok", "TikTok";
        Whatsapp = "whatsapp", "WhatsApp", "WhatsApp";
        Facebook = "facebook", "Facebook / Messenger", "Facebook / Messenger";
        Discord = "discord", "Discord", "Discord";
        Youtube = "youtube", "YouTube", "YouTube";
        Twitch = "twitch", "Twitch", "Twitch";
        OnlineGame = "online_game", "Jeu en ligne", "Online game";
        Sms = "sms", "SMS", "SMS";
        Email = "email", "Courriel", "E-mail";
        Phone = "phone", "Téléphone", "Phone";
        Other = "other", "Autre", "Other";
    }
}

taxonomy! {
    /// What a contact or project was about. Sensitive themes (GDPR art. 9) are marked by
    /// [`Theme::is_sensitive`].
    Theme {
        SocialLink = "lien_social", "Lien social", "Social connection";
        Leisure = "loisirs_culture_sport", "Loisirs, culture, sport", "Leisure, culture, sport";
        Schooling = "scolarite_orientation", "Scolarité, orientation", "Schooling, guidance";
        Employment = "emploi_formation_insertion", "Emploi, formation, insertion", "Employment, training, integration";
        Housing = "logement", "Logement", "Housing";
        Mobility = "mobilite", "Mobilité", "Mobility";
        Rights = "acces_aux_droits", "Accès aux droits", "Access to rights";
        Family = "famille_parentalite", "Famille, parentalité", "Family, parenting";
        PhysicalHealth = "sante_physique", "Santé physique", "Physical health";
        MentalHealth = "sante_mentale", "Santé mentale, mal-être", "Mental health, distress";
        Addictions = "addictions", "Addictions", "Addictions";
        Sexuality = "vie_affective_sexualite", "Vie affective et sexualité", "Relationships and sexuality";
        Violence = "violences", "Violences", "Violence";
        Harassment = "harcelement", "Harcèlement, cyberharcèlement", "Harassment, cyberbullying";
        Grooming = "emprise", "Emprise", "Grooming, undue influence";
        DigitalPractices = "pratiques_numeriques", "Pratiques numériques, image", "Digital practices, image";
        Radicalisation = "radicalisation_complotisme", "Radicalisation, complotisme", "Radicalisation, conspiracy theories";
        Citizenship = "citoyennete_engagement", "Citoyenneté, engagement", "Citizenship, engagement";
        StructureInfo = "info_structure", "Info pratique sur une structure", "Practical information on a structure";
        Other = "autre", "Autre", "Other";
    }
}

impl Theme {
    /// Special-category themes (GDPR art. 9), marked with * in DOMAIN.md.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Theme::MentalHealth
                | Theme::Addictions
                | Theme::Sexuality
                | Theme::Violence
                | Theme::Harassment
                | Theme::Grooming
                | Theme::Radicalisation
        )
    }

    /// Themes of the prevention axis: the sensitive ones.
    pub fn is_prevention(self) -> bool {
        self.is_sensitive()
    }

    /// Themes of the "vie numérique" axis.
    pub fn is_digital_life(self) -> bool {
        matches!(self, Theme::DigitalPractices | Theme::Harassment)
    }
}

taxonomy! {
    /// Where a young person was referred to.
    Destination {
        Line119 = "119", "119 (enfance en danger)", "119 (children at risk hotline)";
        Line3018 = "3018", "3018 (cyberviolences)", "3018 (cyber-violence hotline)";
        Line3020 = "3020", "3020 (harcèlement)", "3020 (harassment hotline)";
        Emergency = "emergency", "Urgences (15/17/112/114)", "Emergency (15/17/112/114)";
        Crip = "crip", "CRIP", "CRIP (child-protection unit)";
        Ase = "ase", "ASE", "ASE (child welfare)";
        Pjj = "pjj", "PJJ", "PJJ (youth justice)";
        MaisonAdos = "maison_des_adolescents", "Maison des adolescents", "Teenagers' house";
        Paej = "paej", "PAEJ", "PAEJ (youth listening point)";
        Cmp = "cmp", "CMP", "CMP (mental-health centre)";
        Csapa = "csapa", "CSAPA", "CSAPA (addiction care)";
        Caarud = "caarud", "CAARUD", "CAARUD (harm reduction)";
        FamilyPlanning = "planning_familial", "Planning familial / CeGIDD", "Family planning / sexual health";
        MissionLocale = "mission_locale", "Mission locale", "Mission locale (youth employment)";
        Pij = "pij_bij", "PIJ / BIJ", "Youth information point";
        Cidff = "cidff", "CIDFF", "CIDFF (women's and family rights)";
        SchoolNurse = "infirmiere_psy_scolaire", "Infirmière / psychologue scolaire", "School nurse / psychologist";
        Cpe = "cpe", "CPE", "School counsellor (CPE)";
        Doctor = "medecin", "Médecin", "Doctor";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// The kind of youth structure.
    StructureType {
        SocialCentre = "centre_social", "Centre social", "Social centre";
        SocialLifeSpace = "espace_vie_sociale", "Espace de vie sociale", "Social life space";
        Mjc = "mjc", "MJC", "Youth and culture centre (MJC)";
        MunicipalYouth = "service_jeunesse", "Accueil / service jeunesse municipal", "Municipal youth service";
        Pij = "pij_bij", "PIJ / BIJ", "Youth information point";
        MissionLocale = "mission_locale", "Mission locale", "Mission locale (youth employment)";
        Fjt = "fjt", "Foyer de jeunes travailleurs", "Young workers' hostel";
        StreetPrevention = "prevention_specialisee", "Prévention spécialisée", "Street youth work";
        MaisonAdos = "maison_des_adolescents", "Maison des adolescents", "Teenagers' house";
        School = "etablissement_scolaire", "Établissement scolaire", "School";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// Age band of a young person. Never a date of birth.
    AgeBand {
        A11To14 = "11-14", "11–14 ans", "11–14";
        A15To17 = "15-17", "15–17 ans", "15–17";
        A18To21 = "18-21", "18–21 ans", "18–21";
        A22To25 = "22-25", "22–25 ans", "22–25";
        A26Plus = "26+", "26 ans et plus", "26+";
        Unknown = "unknown", "Inconnu", "Unknown";
    }
}

taxonomy! {
    /// The professional role of a Promeneur du Net.
    Role {
        Animateur = "animateur", "Animateur·rice", "Youth worker";
        Educateur = "educateur", "Éducateur·rice", "Social educator";
        YouthInformation = "informateur_jeunesse", "Informateur·rice jeunesse", "Youth information officer";
        MissionLocaleAdvisor = "conseiller_mission_locale", "Conseiller·ère de mission locale", "Mission locale advisor";
        DigitalMediator = "mediateur_numerique", "Médiateur·rice numérique", "Digital mediator";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// Who started a contact.
    Initiator {
        Youth = "youth", "Le jeune", "The young person";
        Professional = "professional", "Le Promeneur", "The youth worker";
    }
}

taxonomy! {
    /// Whether a contact was visible to others (comment, post) or one-to-one.
    Visibility {
        Public = "public", "Public (commentaire, publication)", "Public (comment, post)";
        Private = "private", "Privé (message)", "Private (message)";
    }
}

taxonomy! {
    /// Why a scheduled permanence did not take place.
    CancelReason {
        Absence = "absence", "Absence du professionnel", "Professional absent";
        Training = "training", "Formation", "Training";
        Technical = "technical", "Problème technique", "Technical problem";
        NoAudience = "no_audience", "Pas de public", "No audience";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// Individual or collective accompaniment.
    AccompanimentKind {
        Individual = "individual", "Individuel", "Individual";
        Collective = "collective", "Collectif", "Collective";
    }
}

taxonomy! {
    /// How an accompaniment ended.
    AccompanimentOutcome {
        Completed = "completed", "Projet abouti", "Completed";
        Redirected = "redirected", "Réorienté", "Redirected";
        Abandoned = "abandoned", "Abandonné", "Abandoned";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// How urgent a referral was.
    Urgency {
        Routine = "routine", "Ordinaire", "Routine";
        Urgent = "urgent", "Urgente", "Urgent";
        Emergency = "emergency", "Immédiate", "Emergency";
    }
}

taxonomy! {
    /// What became of a referral.
    ReferralOutcome {
        Attended = "attended", "S'est rendu·e au service", "Attended";
        NotAttended = "not_attended", "Ne s'est pas rendu·e au service", "Did not attend";
        Unknown = "unknown", "Inconnu", "Unknown";
    }
}

taxonomy! {
    /// What a young person came to a structure for.
    ActivityKind {
        Visit = "visit", "Passage, accueil libre", "Drop-in visit";
        Activity = "activity", "Activité", "Activity";
        Appointment = "appointment", "Rendez-vous", "Appointment";
        Event = "event", "Événement", "Event";
    }
}

taxonomy! {
    /// The format of a collective online initiative.
    InitiativeFormat {
        Workshop = "workshop", "Atelier", "Workshop";
        Challenge = "challenge", "Défi", "Challenge";
        Live = "live", "Live, direct", "Live stream";
        Event = "event", "Événement", "Event";
        Campaign = "campaign", "Campagne de prévention", "Prevention campaign";
    }
}

taxonomy! {
    /// The kind of collaboration between professionals.
    CollaborationKind {
        NetworkMeeting = "network_meeting", "Rencontre du réseau", "Network meeting";
        Training = "training", "Formation", "Training";
        CoProject = "co_project", "Projet commun", "Joint project";
        Exchange = "exchange", "Échange de pratiques", "Practice exchange";
    }
}

taxonomy! {
    /// How worrying a flagged concern is.
    ConcernLevel {
        Low = "low", "Vigilance", "Low";
        Medium = "medium", "Préoccupant", "Medium";
        High = "high", "Danger grave", "High";
    }
}

taxonomy! {
    /// What a concern is about. Only the category is recorded, never the content.
    ConcernCategory {
        Distress = "mal_etre", "Mal-être, idées suicidaires", "Distress, suicidal thoughts";
        Violence = "violences", "Violences subies", "Violence suffered";
        Harassment = "harcelement", "Harcèlement", "Harassment";
        Grooming = "emprise", "Emprise, grooming", "Grooming, undue influence";
        Radicalisation = "radicalisation", "Radicalisation", "Radicalisation";
        Addiction = "addictions", "Conduites addictives", "Addictive behaviour";
        SexualRisk = "sexualite", "Risques liés à la sexualité", "Sexual risks";
        Other = "autre", "Autre", "Other";
    }
}

taxonomy! {
    /// Where a signalement was sent. Only the destination is recorded, never the content.
    SignalementDestination {
        Crip = "crip", "CRIP", "CRIP (child-protection unit)";
        Line119 = "119", "119", "119 hotline";
        Police = "police", "Police / gendarmerie", "Police";
        Prosecutor = "procureur", "Procureur de la République", "Public prosecutor";
    }
}

taxonomy! {
    /// Who a CAF agreement binds.
    AgreementSubject {
        Professional = "professional", "Professionnel·le", "Professional";
        Structure = "structure", "Structure", "Structure";
    }
}

taxonomy! {
    /// Why an event was retracted or amended.
    CorrectionReason {
        EntryError = "entry_error", "Erreur de saisie", "Data-entry error";
        Duplicate = "duplicate", "Doublon", "Duplicate";
        WrongYouth = "wrong_youth", "Mauvais jeune", "Wrong young person";
        WrongDate = "wrong_date", "Mauvaise date", "Wrong date";
        Other = "autre", "Autre", "Other";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            from: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for &v in all {
                assert!(seen.insert(code(v)), "duplicate code {}", code(v));
                assert_eq!(from(code(v)), Some(v));
            }
        }
        check(Channel::ALL, Channel::code, Channel::from_code);
        check(Theme::ALL, Theme::code, Theme::from_code);
        check(Destination::ALL, Destination::code, Destination::from_code);
        check(
            StructureType::ALL,
            StructureType::code,
            StructureType::from_code,
        );
        check(AgeBand::ALL, AgeBand::code, AgeBand::from_code);
    }

    #[test]
    fn serde_uses_codes() {
        assert_eq!(
            serde_json::to_string(&AgeBand::A15To17).unwrap(),
            "\"15-17\""
        );
        assert_eq!(
            serde_json::from_str::<Destination>("\"119\"").unwrap(),
            Destination::Line119
        );
        assert_eq!(Theme::MentalHealth.label_fr(), "Santé mentale, mal-être");
    }
}
