//! The weighted mixes the model draws from: age bands, channels and themes by age band, referral
//! destinations by theme, concern categories, and the small vocabularies of other events.

use pdn_schemas::taxonomy::*;

/// Age band of a youth at their first contact.
pub(crate) const AGE_BANDS: &[(AgeBand, u32)] = &[
    (AgeBand::A11To14, 150),
    (AgeBand::A15To17, 350),
    (AgeBand::A18To21, 300),
    (AgeBand::A22To25, 150),
    (AgeBand::A26Plus, 25),
    (AgeBand::Unknown, 25),
];

/// The age band of an age.
pub(crate) fn band_of(age: i64) -> AgeBand {
    match age {
        ..=14 => AgeBand::A11To14,
        15..=17 => AgeBand::A15To17,
        18..=21 => AgeBand::A18To21,
        22..=25 => AgeBand::A22To25,
        _ => AgeBand::A26Plus,
    }
}

/// The channels young people of an age band are met on.
pub(crate) fn channels(band: AgeBand) -> &'static [(Channel, u32)] {
    use Channel::*;
    match band {
        AgeBand::A11To14 => &[
            (Snapchat, 35),
            (Tiktok, 22),
            (Instagram, 18),
            (OnlineGame, 13),
            (Discord, 10),
            (Youtube, 2),
        ],
        AgeBand::A15To17 => &[
            (Snapchat, 34),
            (Instagram, 30),
            (Tiktok, 14),
            (Whatsapp, 10),
            (Discord, 8),
            (Twitch, 2),
            (Sms, 2),
        ],
        AgeBand::A18To21 => &[
            (Instagram, 32),
            (Whatsapp, 20),
            (Snapchat, 18),
            (Facebook, 10),
            (Sms, 10),
            (Phone, 8),
            (Discord, 2),
        ],
        AgeBand::A22To25 => &[
            (Whatsapp, 28),
            (Facebook, 20),
            (Sms, 15),
            (Phone, 15),
            (Instagram, 12),
            (Email, 10),
        ],
        AgeBand::A26Plus => &[
            (Whatsapp, 30),
            (Facebook, 25),
            (Phone, 20),
            (Sms, 15),
            (Email, 10),
        ],
        AgeBand::Unknown => &[
            (Instagram, 25),
            (Snapchat, 20),
            (Facebook, 20),
            (Whatsapp, 15),
            (Tiktok, 10),
            (Other, 10),
        ],
    }
}

/// Whether a channel has public spaces (comments, posts, chats) besides private messages.
pub(crate) fn has_public_side(channel: Channel) -> bool {
    use Channel::*;
    matches!(
        channel,
        Instagram | Snapchat | Tiktok | Facebook | Discord | Youtube | Twitch | OnlineGame
    )
}

/// Everyday (non-sensitive) themes by age band.
pub(crate) fn everyday_themes(band: AgeBand) -> &'static [(Theme, u32)] {
    use Theme::*;
    match band {
        AgeBand::A11To14 => &[
            (SocialLink, 22),
            (Leisure, 22),
            (Schooling, 16),
            (DigitalPractices, 12),
            (StructureInfo, 10),
            (Family, 8),
            (Other, 4),
            (Citizenship, 3),
            (PhysicalHealth, 3),
        ],
        AgeBand::A15To17 => &[
            (SocialLink, 20),
            (Leisure, 18),
            (Schooling, 16),
            (DigitalPractices, 10),
            (StructureInfo, 10),
            (Employment, 6),
            (Family, 6),
            (Citizenship, 4),
            (Other, 4),
            (Mobility, 3),
            (PhysicalHealth, 3),
        ],
        AgeBand::A18To21 => &[
            (Employment, 20),
            (SocialLink, 15),
            (Leisure, 12),
            (Schooling, 10),
            (Rights, 8),
            (Housing, 7),
            (StructureInfo, 7),
            (Mobility, 6),
            (DigitalPractices, 5),
            (Family, 4),
            (Citizenship, 3),
            (PhysicalHealth, 3),
        ],
        _ => &[
            (Employment, 24),
            (Housing, 12),
            (Rights, 12),
            (SocialLink, 12),
            (Family, 8),
            (Leisure, 8),
            (StructureInfo, 8),
            (Mobility, 7),
            (Other, 5),
            (PhysicalHealth, 4),
        ],
    }
}

/// The sensitive theme a youth of an age band may come to raise.
pub(crate) fn sensitive_themes(band: AgeBand) -> &'static [(Theme, u32)] {
    use Theme::*;
    match band {
        AgeBand::A11To14 => &[
            (Harassment, 35),
            (MentalHealth, 20),
            (Violence, 12),
            (Grooming, 10),
            (Sexuality, 8),
            (Addictions, 3),
            (Radicalisation, 2),
        ],
        AgeBand::A15To17 => &[
            (MentalHealth, 28),
            (Sexuality, 20),
            (Harassment, 15),
            (Addictions, 12),
            (Violence, 10),
            (Grooming, 8),
            (Radicalisation, 3),
        ],
        _ => &[
            (MentalHealth, 30),
            (Addictions, 20),
            (Sexuality, 18),
            (Violence, 14),
            (Harassment, 6),
            (Grooming, 5),
            (Radicalisation, 3),
        ],
    }
}

/// Share of youths of an age band who carry a sensitive theme.
pub(crate) fn sensitive_share(band: AgeBand) -> f64 {
    match band {
        AgeBand::A11To14 | AgeBand::A18To21 => 0.30,
        AgeBand::A15To17 => 0.35,
        AgeBand::A22To25 => 0.25,
        AgeBand::A26Plus | AgeBand::Unknown => 0.20,
    }
}

/// Where a youth is referred to, by the theme that led to it.
pub(crate) fn destinations(theme: Theme) -> &'static [(Destination, u32)] {
    use Destination::*;
    match theme {
        Theme::MentalHealth => &[
            (Cmp, 30),
            (MaisonAdos, 30),
            (Paej, 25),
            (SchoolNurse, 10),
            (Doctor, 5),
        ],
        Theme::Employment => &[(MissionLocale, 85), (Pij, 15)],
        Theme::Harassment => &[(Line3020, 45), (Line3018, 35), (Cpe, 10), (SchoolNurse, 10)],
        Theme::Violence => &[
            (Line119, 45),
            (Crip, 25),
            (Cidff, 15),
            (Ase, 10),
            (Emergency, 5),
        ],
        Theme::Addictions => &[(Csapa, 60), (Caarud, 25), (Doctor, 15)],
        Theme::Sexuality => &[(FamilyPlanning, 85), (SchoolNurse, 15)],
        Theme::Grooming => &[(Line119, 35), (Crip, 25), (Line3018, 25), (MaisonAdos, 15)],
        Theme::Radicalisation => &[(Crip, 40), (Pjj, 20), (Other, 40)],
        Theme::Housing => &[(Pij, 40), (MissionLocale, 30), (Other, 30)],
        Theme::Schooling => &[(Pij, 50), (Cpe, 35), (SchoolNurse, 15)],
        Theme::Rights => &[(Pij, 40), (Cidff, 30), (Other, 30)],
        Theme::PhysicalHealth => &[(Doctor, 60), (SchoolNurse, 25), (FamilyPlanning, 15)],
        Theme::Family => &[(Cidff, 30), (Paej, 30), (MaisonAdos, 25), (Ase, 15)],
        Theme::DigitalPractices => &[(Line3018, 70), (Other, 30)],
        _ => &[(Pij, 50), (Other, 50)],
    }
}

/// The urgency of a referral, by whether its theme is sensitive.
pub(crate) fn urgencies(sensitive: bool) -> &'static [(Urgency, u32)] {
    if sensitive {
        &[
            (Urgency::Routine, 65),
            (Urgency::Urgent, 28),
            (Urgency::Emergency, 7),
        ]
    } else {
        &[
            (Urgency::Routine, 88),
            (Urgency::Urgent, 11),
            (Urgency::Emergency, 1),
        ]
    }
}

/// The concern category matching a sensitive theme.
pub(crate) fn concern_category(theme: Theme) -> ConcernCategory {
    match theme {
        Theme::MentalHealth => ConcernCategory::Distress,
        Theme::Violence => ConcernCategory::Violence,
        Theme::Harassment => ConcernCategory::Harassment,
        Theme::Grooming => ConcernCategory::Grooming,
        Theme::Radicalisation => ConcernCategory::Radicalisation,
        Theme::Addictions => ConcernCategory::Addiction,
        Theme::Sexuality => ConcernCategory::SexualRisk,
        _ => ConcernCategory::Other,
    }
}

pub(crate) const CONCERN_LEVELS: &[(ConcernLevel, u32)] = &[
    (ConcernLevel::Low, 50),
    (ConcernLevel::Medium, 35),
    (ConcernLevel::High, 15),
];

pub(crate) const SIGNALEMENT_DESTINATIONS: &[(SignalementDestination, u32)] = &[
    (SignalementDestination::Crip, 50),
    (SignalementDestination::Line119, 25),
    (SignalementDestination::Police, 18),
    (SignalementDestination::Prosecutor, 7),
];

pub(crate) const ACTIVITIES: &[(ActivityKind, u32)] = &[
    (ActivityKind::Visit, 45),
    (ActivityKind::Activity, 30),
    (ActivityKind::Appointment, 15),
    (ActivityKind::Event, 10),
];

pub(crate) const REFERRAL_OUTCOMES_OTHER: &[(ReferralOutcome, u32)] = &[
    (ReferralOutcome::NotAttended, 70),
    (ReferralOutcome::Unknown, 30),
];

pub(crate) const ACCOMPANIMENT_OUTCOMES: [AccompanimentOutcome; 4] = [
    AccompanimentOutcome::Completed,
    AccompanimentOutcome::Redirected,
    AccompanimentOutcome::Abandoned,
    AccompanimentOutcome::Other,
];

/// Themes of projects (accompaniments) and collective initiatives.
pub(crate) const PROJECT_THEMES: &[(Theme, u32)] = &[
    (Theme::Leisure, 25),
    (Theme::Citizenship, 18),
    (Theme::SocialLink, 15),
    (Theme::Employment, 12),
    (Theme::Schooling, 8),
    (Theme::DigitalPractices, 12),
    (Theme::Harassment, 5),
    (Theme::MentalHealth, 5),
];

pub(crate) const INITIATIVE_FORMATS: &[(InitiativeFormat, u32)] = &[
    (InitiativeFormat::Workshop, 30),
    (InitiativeFormat::Live, 25),
    (InitiativeFormat::Challenge, 20),
    (InitiativeFormat::Campaign, 15),
    (InitiativeFormat::Event, 10),
];
