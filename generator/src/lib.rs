//! Synthetic department-years of Promeneurs du Net events, as NDJSON, with their ground truth.
//!
//! [`generate`] simulates the networks of one or more departments over consecutive years: structures
//! and professionals (with turnover and CAF agreements), weekly online permanences, meetings and
//! initiatives, and young people met online (contacts with weekly and yearly rhythms, retention,
//! visits to structures, referrals, accompaniments, concerns, corrections), plus, on request,
//! producer retries and realistic bad lines. Every valid line passes [`pdn_schemas::Validator`]
//! for any "now" after the generated years. The [`Truth`] it returns is computed from the lines
//! written, so indicators computed on the data must find its figures.
//!
//! The output is a pure function of the [`Config`]: departments are simulated in parallel, each
//! with its own random streams, and written in a fixed order (years in order; within a year,
//! departments in code order; within a department-year, events by instant, then event id).

mod calendar;
mod invalid;
mod mixes;
mod params;
mod record;
mod rng;
mod simulate;
mod truth;
mod world;
mod youth;

use std::io::Write;
use std::ops::RangeInclusive;

use rayon::prelude::*;

pub use params::{Conversion, Planted, ReferralModel};
pub use truth::{ConfigEcho, Lines, Metrics, Truth, YearTruth};

use rng::{key, text_key, Rng};
use simulate::{Buffers, Dept, Noise, YearOutput};
use world::DeptPlan;

/// Every department code, in code order (the order of the codes as text, as `ORDER BY` gives).
pub const DEPARTMENTS: [&str; 101] = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "21", "22", "23", "24", "25", "26", "27", "28", "29", "2A", "2B", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
    "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
    "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
    "971", "972", "973", "974", "976",
];

/// Lines written between two progress reports.
const PROGRESS_EVERY: u64 = 100_000;
/// Departments simulated at once, and department-years waiting to be written (both held in memory).
const CHUNK: usize = 4;
/// Events a professional accounts for in a year, to size a department from an event target.
const EVENTS_PER_PROFESSIONAL: f64 = 1700.0;
/// Above this many events per year, an event target is spread over several departments...
const SINGLE_DEPARTMENT_MAX: u64 = 200_000;
/// ...of about this many events a year each.
const EVENTS_PER_DEPARTMENT: u64 = 100_000;
/// Events of a national year.
const NATIONAL_EVENTS: u64 = 5_000_000;

/// The size of the generated network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// One department: about 30 professionals in 15 structures, about 50,000 events a year.
    #[default]
    Small,
    /// One big department: about 80 professionals in 40 structures, about 150,000 events a year.
    Medium,
    /// All 101 departments, 10 to 80 professionals each, about 5 million events a year in total.
    National,
}

impl std::str::FromStr for Scale {
    type Err = GeneratorError;

    fn from_str(s: &str) -> Result<Scale, GeneratorError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "national" => Ok(Scale::National),
            _ => Err(GeneratorError::UnknownScale(s.to_owned())),
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::National => "national",
        })
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Decides every random draw: the same configuration gives the same bytes.
    pub seed: u64,
    /// The (first) department, an INSEE code.
    pub department: String,
    /// The calendar years to generate (local time of each department), in order.
    pub years: RangeInclusive<i32>,
    pub scale: Scale,
    /// Target number of valid events over all years (within a few percent); overrides `scale`.
    /// Up to 200,000 a year stay in `department`; more are spread over departments (starting with
    /// `department`, then the others in code order) of about 100,000 events a year each.
    pub events: Option<u64>,
    /// Probability, after each valid line, of an extra bad line (0 to 0.5).
    pub invalid_rate: f64,
    /// Probability, after each valid line, of an exact re-send of a recent valid line (0 to 0.5).
    pub duplicate_rate: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 1,
            department: "82".into(),
            years: 2025..=2025,
            scale: Scale::Small,
            events: None,
            invalid_rate: 0.0,
            duplicate_rate: 0.0,
        }
    }
}

/// Why nothing (or not everything) could be generated.
#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    #[error("unknown department {0:?}: expected an INSEE department code such as 82, 2A or 974")]
    InvalidDepartment(String),
    #[error("invalid years {first}..={last}: expected 2013 <= first <= last <= 2100")]
    InvalidYears { first: i32, last: i32 },
    #[error("invalid {name} {value}: expected a probability from 0 to 0.5")]
    InvalidRate { name: &'static str, value: f64 },
    #[error("invalid event target 0: expected at least one event")]
    NoEvents,
    #[error("unknown scale {0:?}: expected small, medium or national")]
    UnknownScale(String),
    #[error("cannot write the events: {0}")]
    Io(#[from] std::io::Error),
}

impl Config {
    fn check(&self) -> Result<(), GeneratorError> {
        if !pdn_schemas::ids::is_department(&self.department) {
            return Err(GeneratorError::InvalidDepartment(self.department.clone()));
        }
        let (first, last) = (*self.years.start(), *self.years.end());
        if !(2013 <= first && first <= last && last <= 2100) {
            return Err(GeneratorError::InvalidYears { first, last });
        }
        for (name, value) in [
            ("invalid_rate", self.invalid_rate),
            ("duplicate_rate", self.duplicate_rate),
        ] {
            if !(0.0..=0.5).contains(&value) {
                return Err(GeneratorError::InvalidRate { name, value });
            }
        }
        if self.events == Some(0) {
            return Err(GeneratorError::NoEvents);
        }
        Ok(())
    }
}

/// `n` split into `parts` near-equal shares (the first ones one larger).
fn split(n: u64, parts: u64) -> Vec<u64> {
    (0..parts)
        .map(|i| n / parts + u64::from(i < n % parts))
        .collect()
}

/// A department of `professionals` in `structures` with these yearly targets.
fn department(code: &str, professionals: usize, structures: usize, targets: Vec<u64>) -> DeptPlan {
    DeptPlan {
        code: code.to_owned(),
        professionals,
        structures,
        targets,
    }
}

/// The departments to generate, in output order.
fn plan(config: &Config) -> Vec<DeptPlan> {
    let years = (config.years.end() - config.years.start() + 1) as u64;
    let single = |professionals, structures, per_year| {
        vec![department(
            &config.department,
            professionals,
            structures,
            vec![per_year; years as usize],
        )]
    };
    match (config.events, config.scale) {
        (Some(n), _) => {
            let per_year = split(n, years);
            let busiest = per_year[0];
            let k = if busiest <= SINGLE_DEPARTMENT_MAX {
                1
            } else {
                busiest.div_ceil(EVENTS_PER_DEPARTMENT).min(101)
            };
            let mut codes: Vec<&str> = vec![config.department.as_str()];
            codes.extend(
                DEPARTMENTS
                    .iter()
                    .copied()
                    .filter(|&c| c != config.department)
                    .take(k as usize - 1),
            );
            codes.sort_unstable();
            let shares: Vec<Vec<u64>> = per_year.iter().map(|&y| split(y, k)).collect();
            codes
                .iter()
                .enumerate()
                .map(|(i, code)| {
                    let targets: Vec<u64> = shares.iter().map(|s| s[i]).collect();
                    let professionals = ((targets[0] as f64 / EVENTS_PER_PROFESSIONAL).round()
                        as usize)
                        .clamp(2, 80);
                    let structures = ((professionals as f64 * 0.5).round() as usize).clamp(1, 40);
                    department(code, professionals, structures, targets)
                })
                .collect()
        }
        (None, Scale::Small) => single(30, 15, 50_000),
        (None, Scale::Medium) => single(80, 40, 150_000),
        (None, Scale::National) => {
            let sizes: Vec<(usize, usize)> = DEPARTMENTS
                .iter()
                .map(|code| {
                    let mut r = Rng::new(key(&[config.seed, text_key(code), 9]));
                    let professionals = r.range(10, 80) as usize;
                    let structures = ((professionals as f64 * (0.4 + 0.2 * r.f64())).round()
                        as usize)
                        .clamp(5, 40);
                    (professionals, structures)
                })
                .collect();
            let total: usize = sizes.iter().map(|s| s.0).sum();
            DEPARTMENTS
                .iter()
                .zip(sizes)
                .map(|(code, (professionals, structures))| {
                    let per_year = NATIONAL_EVENTS * professionals as u64 / total as u64;
                    department(
                        code,
                        professionals,
                        structures,
                        vec![per_year; years as usize],
                    )
                })
                .collect()
        }
    }
}

/// Generates the events of `config` into `out` (one JSON event per line, each ending with `\n`),
/// calling `progress` with the number of lines written about every 100,000 lines and at the end;
/// returns the ground truth.
///
/// Departments are simulated on rayon's threads, a few at a time, while this thread writes the
/// finished department-years in order.
pub fn generate(
    config: &Config,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<Truth, GeneratorError> {
    config.check()?;
    let plans = plan(config);
    let (first, last) = (*config.years.start(), *config.years.end());
    let noise = Noise {
        duplicate_rate: config.duplicate_rate,
        invalid_rate: config.invalid_rate,
    };
    let (sender, receiver) = std::sync::mpsc::sync_channel::<YearOutput>(CHUNK);
    let buffers = Buffers::default();
    let (depts, written) = std::thread::scope(|scope| {
        let buffers = &buffers;
        let producer = scope.spawn(move || {
            let mut depts: Vec<Dept> = plans
                .par_iter()
                .map(|p| Dept::new(p, config.seed, first, last))
                .collect();
            'years: for year in first..=last {
                for chunk in depts.chunks_mut(CHUNK) {
                    let outputs: Vec<YearOutput> = chunk
                        .par_iter_mut()
                        .map(|d| d.simulate_year(year, noise, buffers))
                        .collect();
                    for output in outputs {
                        if sender.send(output).is_err() {
                            break 'years;
                        }
                    }
                }
            }
            depts
        });
        let written = write_outputs(receiver, buffers, out, progress);
        (
            producer.join().expect("the simulation does not panic"),
            written,
        )
    });
    let written = written?;
    progress(written);
    let echo = ConfigEcho {
        seed: config.seed,
        department: config.department.clone(),
        departments: depts.iter().map(|d| d.world.code.clone()).collect(),
        years: [first, last],
        scale: config.scale.to_string(),
        events: config.events,
        invalid_rate: config.invalid_rate,
        duplicate_rate: config.duplicate_rate,
    };
    let truths: Vec<(String, &truth::DeptTruth)> = depts
        .iter()
        .map(|d| (d.world.code.clone(), &d.truth))
        .collect();
    let reasons = invalid::Bad::ALL.map(|b| b.reason().code());
    Ok(truth::assemble(
        echo,
        config.years.clone(),
        &truths,
        &reasons,
    ))
}

/// Writes the department-years received, in order, reporting progress; returns the lines written.
/// On an error it returns at once, which stops the simulation.
fn write_outputs(
    receiver: std::sync::mpsc::Receiver<YearOutput>,
    buffers: &Buffers,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, GeneratorError> {
    let mut written = 0;
    let mut next_report = PROGRESS_EVERY;
    for output in receiver {
        let mut from = 0;
        for &(offset, lines) in &output.checkpoints {
            if written + lines >= next_report {
                out.write_all(&output.bytes[from..offset])?;
                from = offset;
                progress(written + lines);
                next_report = (written + lines) / PROGRESS_EVERY * PROGRESS_EVERY + PROGRESS_EVERY;
            }
        }
        out.write_all(&output.bytes[from..])?;
        written += output.lines;
        buffers.give(output.bytes);
    }
    out.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_codes_in_code_order() {
        assert!(DEPARTMENTS.windows(2).all(|w| w[0] < w[1]));
        assert!(DEPARTMENTS
            .iter()
            .all(|d| pdn_schemas::ids::is_department(d)));
    }

    #[test]
    fn event_targets_choose_departments() {
        let spread = plan(&Config {
            events: Some(10_000_000),
            ..Config::default()
        });
        assert_eq!(spread.len(), 100);
        assert!(
            spread.windows(2).all(|w| w[0].code < w[1].code)
                && spread.iter().any(|p| p.code == "82")
        );
        assert_eq!(spread.iter().map(|p| p.targets[0]).sum::<u64>(), 10_000_000);
        assert!(spread
            .iter()
            .all(|p| (50_000..=150_000).contains(&p.targets[0])));
        let single = plan(&Config {
            events: Some(400_000),
            years: 2024..=2025,
            department: "974".into(),
            ..Config::default()
        });
        assert_eq!(single.len(), 1);
        assert_eq!(
            (single[0].code.as_str(), single[0].targets.clone()),
            ("974", vec![200_000, 200_000])
        );
        let three: Vec<String> = plan(&Config {
            events: Some(250_000),
            department: "95".into(),
            ..Config::default()
        })
        .into_iter()
        .map(|p| p.code)
        .collect();
        assert_eq!(three, ["01", "02", "95"]);
    }

    #[test]
    fn scales() {
        let small = plan(&Config::default());
        assert_eq!(
            (small.len(), small[0].professionals, small[0].structures),
            (1, 30, 15)
        );
        let national = plan(&Config {
            scale: Scale::National,
            years: 2024..=2025,
            ..Config::default()
        });
        assert_eq!(national.len(), 101);
        let total: u64 = national.iter().map(|p| p.targets[1]).sum();
        assert!((4_999_000..=5_000_000).contains(&total), "{total}");
        assert!(national
            .iter()
            .all(|p| (10..=80).contains(&p.professionals)));
    }
}
