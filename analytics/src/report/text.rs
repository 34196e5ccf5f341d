//! The report's language: its fixed wording, number formats and the labels of breakdown codes.
//!
//! Invariant: a code the report shows is always turned into a label (a taxonomy's, or one of the
//! indicator-specific ones below); [`label`] returns `None` for an unknown code so that tests can
//! catch a new code before a funder sees it raw.

use pdn_schemas::taxonomy::{
    AccompanimentKind, AgeBand, Channel, CollaborationKind, Destination, InitiativeFormat,
    ReferralOutcome, SignalementDestination, StructureType, Theme,
};
use pdn_schemas::Family;

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// Picks the French or the English text.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The ISO code, for `<html lang>`.
    pub fn code(self) -> &'static str {
        self.pick("fr", "en")
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fr" => Ok(Lang::Fr),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language {other} (fr or en)")),
        }
    }
}

/// Rounds a published value to one decimal: what the report shows is what its JSON holds.
pub fn round(value: f64) -> f64 {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// A number as the language writes it: French "9 376,5" (narrow no-break spaces), English
/// "9,376.5"; integers without decimals, other values with one.
pub fn number(value: f64, lang: Lang) -> String {
    let negative = value < 0.0;
    let magnitude = value.abs();
    let (integer, decimal) = if magnitude.fract() == 0.0 {
        (format!("{magnitude:.0}"), None)
    } else {
        let text = format!("{magnitude:.1}");
        let (i, d) = text.split_once('.').expect("one decimal");
        (i.to_owned(), Some(d.to_owned()))
    };
    let (group, point) = match lang {
        Lang::Fr => ('\u{202f}', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    let sign = if negative { "−" } else { "" };
    match decimal {
        Some(d) => format!("{sign}{grouped}{point}{d}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A value with its unit when the unit is a percentage ("19,6 %" / "19.6%").
pub fn with_unit(value: f64, unit: &str, lang: Lang) -> String {
    let text = number(value, lang);
    match (unit, lang) {
        ("%", Lang::Fr) => format!("{text}\u{202f}%"),
        ("%", Lang::En) => format!("{text}%"),
        _ => text,
    }
}

/// A change, signed ("+3", "−0,2").
pub fn signed(value: f64, lang: Lang) -> String {
    if value > 0.0 {
        format!("+{}", number(value, lang))
    } else {
        number(value, lang)
    }
}

/// The month's name (1 = January).
pub fn month(month: u32, lang: Lang) -> &'static str {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    lang.pick(FR[i], EN[i])
}

/// A date as the language writes it: "27 novembre 2026" / "27 November 2026".
pub fn date(date: chrono::NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        date.day(),
        month(date.month(), lang),
        date.year()
    )
}

/// The axis (its French name, as in the catalogue) in the report's language.
pub fn axis(french: &str, lang: Lang) -> &str {
    let english = match french {
        "Réseau / couverture" => "Network and coverage",
        "Lien social" => "Social connection",
        "Vie numérique" => "Digital life",
        "Confiance" => "Trust",
        "Fréquentation des structures" => "Attendance at the structures",
        "Émergence d'initiatives" => "Youth initiatives",
        "Pratiques collaboratives" => "Collaborative practice",
        "Prévention" => "Prevention",
        _ => french,
    };
    lang.pick(french, english)
}

/// What an event family records, for the coverage table.
pub fn family(family: Family, lang: Lang) -> &'static str {
    match family {
        Family::Network => lang.pick(
            "Vie du réseau (professionnels, structures, conventions)",
            "Network (professionals, structures, agreements)",
        ),
        Family::Contact => lang.pick("Contacts avec des jeunes", "Contacts with young people"),
        Family::Permanence => lang.pick("Permanences en ligne", "Online drop-in sessions"),
        Family::Accompaniment => lang.pick("Accompagnements de projets", "Project accompaniments"),
        Family::Referral => lang.pick("Orientations", "Referrals"),
        Family::Attendance => lang.pick("Fréquentation des structures", "Structure attendance"),
        Family::Initiative => lang.pick("Initiatives", "Initiatives"),
        Family::Collaboration => lang.pick("Travail en réseau", "Network collaboration"),
        Family::Prevention => lang.pick("Prévention", "Prevention"),
        Family::Correction => lang.pick("Corrections", "Corrections"),
    }
}

/// The report's title.
pub fn title(year: i32, department: Option<&str>, lang: Lang) -> String {
    match (department, lang) {
        (Some(d), Lang::Fr) => format!(
            "Promeneurs du Net — rapport d'impact {year} — {}",
            super::departments::named(d)
        ),
        (None, Lang::Fr) => format!("Promeneurs du Net — rapport d'impact {year} — France entière"),
        (Some(d), Lang::En) => format!(
            "Promeneurs du Net — impact report {year} — {}",
            super::departments::named(d)
        ),
        (None, Lang::En) => format!("Promeneurs du Net — impact report {year} — France"),
    }
}

/// The statistical secrecy rule, as the report states it.
pub fn secrecy(lang: Lang) -> &'static str {
    lang.pick(
        "Secret statistique : toute case construite à partir de moins de 11 jeunes est masquée (« < 11 »), \
         ainsi que les cases qui permettraient de la retrouver par différence avec un total.",
        "Statistical secrecy: every cell built from fewer than 11 young people is hidden (“< 11”), and so \
         are the cells from which it could be worked out by difference with a total.",
    )
}

/// Labels of the codes that are not a taxonomy's: (code, French, English).
const SPECIFIC: &[(&str, &str, &str)] = &[
    (
        "territoire:qpv",
        "Quartiers prioritaires (QPV)",
        "Priority neighbourhoods (QPV)",
    ),
    ("territoire:rural", "Territoires ruraux", "Rural areas"),
    ("type:inconnu", "Type non renseigné", "Type not stated"),
    ("soir", "En soirée", "Evenings"),
    ("weekend", "Le week-end", "Weekends"),
    (
        "au_moins_3_contacts",
        "Jeunes ayant eu au moins 3 contacts",
        "Young people with 3+ contacts",
    ),
    (
        "premier_contact_prive",
        "Premier contact en privé",
        "First contact private",
    ),
    (
        "premier_contact_public",
        "Premier contact en public",
        "First contact public",
    ),
    (
        "apres_contact_en_ligne",
        "Après un contact en ligne",
        "After an online contact",
    ),
    (
        "sans_contact_en_ligne",
        "Sans contact en ligne",
        "Without online contact",
    ),
    (
        "meeting",
        "Rencontres et échanges",
        "Meetings and exchanges",
    ),
    (
        "co_accompaniment",
        "Co-accompagnements",
        "Joint accompaniments",
    ),
    (
        "initiative",
        "Initiatives en partenariat",
        "Partner initiatives",
    ),
    (
        "non_renseignee",
        "Suite non renseignée",
        "Outcome not recorded",
    ),
    (
        "1_premier_contact",
        "Premier contact en ligne",
        "First online contact",
    ),
    (
        "2_venus_structure",
        "Venus dans une structure",
        "Came to a structure",
    ),
    (
        "3_venus_60j",
        "Venus dans les 60 jours",
        "Came within 60 days",
    ),
    (
        "4_revenus",
        "Revenus au moins une fois",
        "Came back at least once",
    ),
];

/// The label of the breakdown `code` of `indicator`, or `None` if the code is unknown.
pub fn label(indicator: &str, code: &str, lang: Lang) -> Option<String> {
    macro_rules! taxonomy {
        ($t:ty, $code:expr) => {
            <$t>::from_code($code).map(|v| lang.pick(v.label_fr(), v.label_en()).to_owned())
        };
    }
    if let Some((_, fr, en)) = SPECIFIC.iter().find(|(c, _, _)| *c == code) {
        return Some(lang.pick(fr, en).to_owned());
    }
    if let Some(kind) = code.strip_prefix("type:") {
        return taxonomy!(StructureType, kind);
    }
    match indicator {
        "lien_jeunes_distincts" => taxonomy!(AgeBand, code),
        "lien_contacts_par_mois" => {
            let m: u32 = code.parse().ok().filter(|m| (1..=12).contains(m))?;
            let name = month(m, lang);
            let mut chars = name.chars();
            Some(chars.next().map_or(String::new(), |c| {
                c.to_uppercase().collect::<String>() + chars.as_str()
            }))
        }
        "collaboration_liens_structures" => {
            let (a, b) = code.split_once('|')?;
            Some(format!("{a} — {b}"))
        }
        "collaboration_participation_reunions" => taxonomy!(CollaborationKind, code),
        "collaboration_orientations_par_issue" => taxonomy!(ReferralOutcome, code),
        "prevention_signalements_par_destination" => taxonomy!(SignalementDestination, code),
        "initiatives_initiatives_collectives" => taxonomy!(InitiativeFormat, code),
        id if id.starts_with("initiatives_projets") => taxonomy!(AccompanimentKind, code),
        id if id.contains("canal") => taxonomy!(Channel, code),
        id if id.contains("theme") => taxonomy!(Theme, code),
        id if id.starts_with("collaboration_orientations") => taxonomy!(Destination, code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_french_and_the_english_way() {
        assert_eq!(number(9376.0, Lang::Fr), "9\u{202f}376");
        assert_eq!(number(1234567.5, Lang::Fr), "1\u{202f}234\u{202f}567,5");
        assert_eq!(number(1234567.5, Lang::En), "1,234,567.5");
        assert_eq!(number(-0.2, Lang::Fr), "−0,2");
        assert_eq!(signed(3.0, Lang::En), "+3");
        assert_eq!(with_unit(19.6, "%", Lang::Fr), "19,6\u{202f}%");
        assert_eq!(number(round(19.6349), Lang::En), "19.6");
        assert_eq!(round(-0.04), 0.0);
    }

    #[test]
    fn codes_get_their_taxonomy_label_in_the_report_language() {
        let l = |i, c, lang| label(i, c, lang).unwrap();
        assert_eq!(
            l("numerique_contacts_par_canal", "online_game", Lang::Fr),
            "Jeu en ligne"
        );
        assert_eq!(l("lien_contacts_par_mois", "08", Lang::Fr), "Août");
        assert_eq!(l("lien_contacts_par_mois", "08", Lang::En), "August");
        assert_eq!(l("reseau_structures_actives", "type:mjc", Lang::Fr), "MJC");
        assert_eq!(
            l("initiatives_initiatives_collectives", "event", Lang::Fr),
            "Événement"
        );
        assert_eq!(label("lien_jeunes_distincts", "99-100", Lang::Fr), None);
    }
}
