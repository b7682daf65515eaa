//! The albo pretorio online (issue 18): the municipality's legal notice board.
//!
//! Since 2011 only publication on the ente's own website has legal effect (L. 69/2009 art. 32
//! c.1). Deliberations are published «per quindici giorni consecutivi» (TUEL, D.Lgs. 267/2000,
//! art. 124 c.1) and, unless declared immediately executive (art. 134 c.4), become executive
//! «dopo il decimo giorno dalla loro pubblicazione» (art. 134 c.3): on the eleventh day. Other
//! acts have the period their law gives; the ente may set its own within those bounds.
//!
//! Everything here is pure: act types and their periods, the period of an entry, the executivity
//! date, the privacy check of a document's text (Garante, provvedimento 243/2014), the hash chain
//! of the albo's events, and how an outage lengthens the periods it interrupted.

pub mod p7m;
pub mod privacy;

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::calendar::{from_rome, in_rome};

/// Where an entry stands: asked for, online, annulled (still listed until its period ends),
/// or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlboState {
    Requested,
    Published,
    Annulled,
    Ended,
    /// A request the publication officer sent back to the office, with a reason: never
    /// published (the office asks again once it is put right).
    Returned,
}

impl AlboState {
    pub const ALL: &'static [AlboState] = &[
        AlboState::Requested,
        AlboState::Published,
        AlboState::Annulled,
        AlboState::Ended,
        AlboState::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlboState::Requested => "requested",
            AlboState::Published => "published",
            AlboState::Annulled => "annulled",
            AlboState::Ended => "ended",
            AlboState::Returned => "returned",
        }
    }
}

/// A type of act the albo publishes, with the period its law gives: one of the region's list
/// ([`ACT_TYPES`], whose bounds are the law's), or one an ente added ([`ActType::own`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActType {
    pub code: Cow<'static, str>,
    pub label: Cow<'static, str>,
    /// The period when nothing else is said, in consecutive days.
    pub default_days: u16,
    /// The bounds the law allows an ente (or a request) to choose within.
    pub min_days: u16,
    pub max_days: u16,
    /// A deliberation of the council or the executive: it has an executivity date.
    pub deliberation: bool,
    /// Where the period comes from.
    pub basis: Cow<'static, str>,
}

/// The region's list of act types.
pub const ACT_TYPES: [ActType; 11] = [
    ActType {
        code: Cow::Borrowed("delibera-consiglio"),
        label: Cow::Borrowed("Deliberazione del Consiglio comunale"),
        default_days: 15,
        min_days: 15,
        max_days: 15,
        deliberation: true,
        basis: Cow::Borrowed("D.Lgs. 267/2000 art. 124 c.1"),
    },
    ActType {
        code: Cow::Borrowed("delibera-giunta"),
        label: Cow::Borrowed("Deliberazione della Giunta comunale"),
        default_days: 15,
        min_days: 15,
        max_days: 15,
        deliberation: true,
        basis: Cow::Borrowed("D.Lgs. 267/2000 art. 124 c.1"),
    },
    ActType {
        code: Cow::Borrowed("determinazione"),
        label: Cow::Borrowed("Determinazione dirigenziale"),
        default_days: 15,
        min_days: 15,
        max_days: 30,
        deliberation: false,
        basis: Cow::Borrowed("regolamento dell'ente, per analogia con D.Lgs. 267/2000 art. 124"),
    },
    ActType {
        code: Cow::Borrowed("ordinanza"),
        label: Cow::Borrowed("Ordinanza"),
        default_days: 15,
        min_days: 15,
        max_days: 60,
        deliberation: false,
        basis: Cow::Borrowed("regolamento dell'ente; D.Lgs. 267/2000 artt. 50 e 54"),
    },
    ActType {
        code: Cow::Borrowed("decreto"),
        label: Cow::Borrowed("Decreto del Sindaco"),
        default_days: 15,
        min_days: 15,
        max_days: 30,
        deliberation: false,
        basis: Cow::Borrowed("regolamento dell'ente"),
    },
    ActType {
        code: Cow::Borrowed("avviso"),
        label: Cow::Borrowed("Avviso"),
        default_days: 15,
        min_days: 1,
        max_days: 365,
        deliberation: false,
        basis: Cow::Borrowed("secondo l'avviso"),
    },
    ActType {
        code: Cow::Borrowed("bando"),
        label: Cow::Borrowed("Bando di concorso o di gara"),
        default_days: 30,
        min_days: 15,
        max_days: 365,
        deliberation: false,
        basis: Cow::Borrowed("D.P.R. 487/1994 art. 4; D.Lgs. 36/2023"),
    },
    ActType {
        code: Cow::Borrowed("matrimonio"),
        label: Cow::Borrowed("Pubblicazioni di matrimonio"),
        default_days: 8,
        min_days: 8,
        max_days: 8,
        deliberation: false,
        basis: Cow::Borrowed("D.P.R. 396/2000 art. 55; codice civile art. 93"),
    },
    ActType {
        code: Cow::Borrowed("permesso-costruire"),
        label: Cow::Borrowed("Permesso di costruire rilasciato"),
        default_days: 15,
        min_days: 15,
        max_days: 15,
        deliberation: false,
        basis: Cow::Borrowed("D.P.R. 380/2001 art. 20 c.6"),
    },
    ActType {
        code: Cow::Borrowed("atto-terzi"),
        label: Cow::Borrowed("Atto di altro ente o di terzi"),
        default_days: 15,
        min_days: 1,
        max_days: 365,
        deliberation: false,
        basis: Cow::Borrowed("secondo la richiesta di pubblicazione"),
    },
    ActType {
        code: Cow::Borrowed("altro"),
        label: Cow::Borrowed("Altro atto"),
        default_days: 15,
        min_days: 1,
        max_days: 365,
        deliberation: false,
        basis: Cow::Borrowed("secondo l'atto"),
    },
];

/// The bounds of an ente's own act type: those of «altro atto», the region's type for acts no
/// law names.
pub const OWN_MIN_DAYS: u16 = 1;
pub const OWN_MAX_DAYS: u16 = 365;

impl ActType {
    /// One of the region's types.
    pub fn by_code(code: &str) -> Option<&'static ActType> {
        ACT_TYPES.iter().find(|t| t.code == code)
    }

    /// An ente's own type: its code and label, its default period, the bounds of «altro atto».
    pub fn own(code: String, label: String, default_days: u16) -> ActType {
        ActType {
            code: Cow::Owned(code),
            label: Cow::Owned(label),
            default_days: default_days.clamp(OWN_MIN_DAYS, OWN_MAX_DAYS),
            min_days: OWN_MIN_DAYS,
            max_days: OWN_MAX_DAYS,
            deliberation: false,
            basis: Cow::Borrowed("regolamento dell'ente"),
        }
    }

    /// The code an ente's own type takes from its label: lower-case ASCII words joined by
    /// hyphens, accents dropped («Avviso di deposito» → `ente-avviso-di-deposito`). Its prefix
    /// keeps it apart from the region's codes. `None` for a label with no letter or digit.
    pub fn own_code(label: &str) -> Option<String> {
        let mut code = String::from("ente");
        let mut word = false;
        for c in label.chars().flat_map(char::to_lowercase) {
            let c = match c {
                'à' | 'á' | 'â' => 'a',
                'è' | 'é' | 'ê' => 'e',
                'ì' | 'í' | 'î' => 'i',
                'ò' | 'ó' | 'ô' => 'o',
                'ù' | 'ú' | 'û' => 'u',
                c => c,
            };
            if c.is_ascii_alphanumeric() {
                if !word {
                    code.push('-');
                }
                code.push(c);
                word = true;
            } else {
                word = false;
            }
            if code.len() >= 60 {
                break;
            }
        }
        (code.len() > "ente".len()).then_some(code)
    }

    /// The period for `days` asked (none: the default), within the law's bounds.
    pub fn period_days(&self, days: Option<u16>) -> Result<u16, AlboError> {
        let days = days.unwrap_or(self.default_days);
        if (self.min_days..=self.max_days).contains(&days) {
            Ok(days)
        } else {
            Err(AlboError::PeriodOutOfBounds {
                min: self.min_days,
                max: self.max_days,
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlboError {
    #[error("the period must be between {min} and {max} days")]
    PeriodOutOfBounds { min: u16, max: u16 },
    #[error("a date out of range")]
    DateRange,
}

/// When an entry is online: from the start instant to the end instant, the end being the last
/// moment of the last of `days` consecutive days (Italian time), the first day being the day
/// of the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub first_day: Date,
    pub last_day: Date,
}

/// The period of `days` consecutive days starting at `start`.
pub fn period(start: OffsetDateTime, days: u16) -> Result<Period, AlboError> {
    let first_day = in_rome(start).date();
    let last_day = first_day
        .checked_add(Duration::days(i64::from(days.max(1)) - 1))
        .ok_or(AlboError::DateRange)?;
    let next = last_day.next_day().ok_or(AlboError::DateRange)?;
    let end = from_rome(PrimitiveDateTime::new(next, Time::MIDNIGHT)) - Duration::milliseconds(1);
    Ok(Period {
        start,
        end,
        first_day,
        last_day,
    })
}

/// When a deliberation becomes executive: immediately (declared so, art. 134 c.4) on its
/// adoption, otherwise on the eleventh day of publication («dopo il decimo giorno», art. 134
/// c.3). `None` for acts that are not deliberations.
pub fn executivity(
    act: &ActType,
    first_day: Date,
    immediately: bool,
    adopted_on: Option<Date>,
) -> Option<Executivity> {
    if !act.deliberation {
        return None;
    }
    if immediately {
        return Some(Executivity::Immediate(adopted_on.unwrap_or(first_day)));
    }
    first_day
        .checked_add(Duration::days(10))
        .map(Executivity::AfterTenDays)
}

/// A deliberation's executivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executivity {
    /// Declared immediately executive, from this day.
    Immediate(Date),
    /// Executive from this day: the eleventh of publication.
    AfterTenDays(Date),
}

impl Executivity {
    pub fn day(self) -> Date {
        match self {
            Executivity::Immediate(d) | Executivity::AfterTenDays(d) => d,
        }
    }
}

/// An event of the albo, as the chain records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlboEvent {
    /// The ente's sequence number of the event (1, 2, …).
    pub seq: i64,
    /// `published`, `annulled`, `extended`, `ended`, `served`, `outage`.
    pub kind: String,
    /// The entry's register number (`anno/numero`), empty for a heartbeat.
    pub entry: String,
    /// What the event says, in a fixed text: digests, instants, reasons.
    pub detail: String,
    /// When, in milliseconds since the epoch (UTC).
    pub at_ms: i64,
}

impl AlboEvent {
    /// The text the chain hashes: every field, in order, separated by a unit separator.
    pub fn canonical(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.seq, self.kind, self.entry, self.detail, self.at_ms
        )
    }

    /// The event's link: SHA-256 of the previous link and the canonical text, in hex.
    pub fn chain_hash(&self, previous: &str) -> String {
        let mut h = Sha256::new();
        h.update(previous.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The link before the first event of an ente's albo.
pub const GENESIS: &str = "albo";

/// What is wrong with a chain, event by event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// The sequence skips or repeats here.
    Sequence { seq: i64, expected: i64 },
    /// The stored link does not follow from the previous one and the event.
    Link { seq: i64 },
}

/// Checks a chain of `(event, stored link)` in order from the first.
pub fn verify_chain(events: &[(AlboEvent, String)]) -> Vec<ChainFault> {
    let mut faults = Vec::new();
    let mut previous = GENESIS.to_string();
    for (i, (event, link)) in events.iter().enumerate() {
        let expected = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        if event.seq != expected {
            faults.push(ChainFault::Sequence {
                seq: event.seq,
                expected,
            });
        }
        if event.chain_hash(&previous) != *link {
            faults.push(ChainFault::Link { seq: event.seq });
        }
        previous = link.clone();
    }
    faults
}

/// How long the albo was not served between two heartbeats: the gap beyond the beat's interval
/// and a grace of one more interval (a late beat is not an outage). Zero when none.
pub fn outage_ms(previous_beat_ms: i64, beat_ms: i64, interval_ms: i64) -> i64 {
    let gap = beat_ms.saturating_sub(previous_beat_ms);
    let allowed = interval_ms.saturating_mul(2);
    if gap > allowed {
        gap.saturating_sub(interval_ms)
    } else {
        0
    }
}

/// The heartbeat's interval: the albo records every minute that its current entries are served.
pub const BEAT_INTERVAL_MS: i64 = 60_000;

/// The register number as the albo prints it: `2026/0042`.
pub fn register_number(year: i32, number: i64) -> String {
    format!("{year}/{number:04}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn every_type_has_a_default_within_its_bounds() {
        for t in &ACT_TYPES {
            assert!(
                t.min_days <= t.default_days && t.default_days <= t.max_days,
                "{}",
                t.code
            );
            assert_eq!(ActType::by_code(&t.code), Some(t));
            assert!(!t.code.starts_with("ente-"), "{}", t.code);
        }
        // An ente's own types: a code of their label, kept apart from the region's.
        assert_eq!(
            ActType::own_code("Avviso di deposito — atti (P.U.A.)").as_deref(),
            Some("ente-avviso-di-deposito-atti-p-u-a")
        );
        assert_eq!(
            ActType::own_code("Verbale àèìòù").as_deref(),
            Some("ente-verbale-aeiou")
        );
        assert_eq!(ActType::own_code(" — "), None);
        let own = ActType::own("ente-verbale".into(), "Verbale".into(), 400);
        assert_eq!(own.default_days, OWN_MAX_DAYS);
        assert_eq!(own.period_days(Some(30)), Ok(30));
        assert!(own.period_days(Some(0)).is_err());
        assert!(!own.deliberation);
        let delibera = ActType::by_code("delibera-giunta").unwrap();
        assert_eq!(delibera.period_days(None), Ok(15));
        assert!(
            delibera.period_days(Some(10)).is_err(),
            "the law says fifteen"
        );
        let avviso = ActType::by_code("avviso").unwrap();
        assert_eq!(avviso.period_days(Some(30)), Ok(30));
        assert_eq!(
            ActType::by_code("matrimonio").unwrap().period_days(None),
            Ok(8)
        );
    }

    #[test]
    fn fifteen_consecutive_days_end_at_midnight_in_rome() {
        // Published on 3 March 2026 at 10:15 Rome time (09:15 UTC).
        let p = period(datetime!(2026-03-03 09:15 UTC), 15).unwrap();
        assert_eq!(p.first_day, date!(2026 - 03 - 03));
        assert_eq!(p.last_day, date!(2026 - 03 - 17));
        // The end is the last millisecond of 17 March in Rome (23:59:59.999 CET = 22:59 UTC).
        assert_eq!(p.end, datetime!(2026-03-17 22:59:59.999 UTC));
        // Across the change to summer time (29 March 2026): the last day ends at 22:00 UTC.
        let p = period(datetime!(2026-03-20 08:00 UTC), 15).unwrap();
        assert_eq!(p.last_day, date!(2026 - 04 - 03));
        assert_eq!(p.end, datetime!(2026-04-03 21:59:59.999 UTC));
    }

    #[test]
    fn a_deliberation_is_executive_on_the_eleventh_day_or_at_once() {
        let giunta = ActType::by_code("delibera-giunta").unwrap();
        assert_eq!(
            executivity(giunta, date!(2026 - 03 - 03), false, None),
            Some(Executivity::AfterTenDays(date!(2026 - 03 - 13)))
        );
        assert_eq!(
            executivity(
                giunta,
                date!(2026 - 03 - 03),
                true,
                Some(date!(2026 - 02 - 27))
            ),
            Some(Executivity::Immediate(date!(2026 - 02 - 27)))
        );
        let ordinanza = ActType::by_code("ordinanza").unwrap();
        assert_eq!(
            executivity(ordinanza, date!(2026 - 03 - 03), false, None),
            None
        );
    }

    #[test]
    fn the_chain_shows_a_changed_or_missing_event() {
        let mut previous = GENESIS.to_string();
        let mut chain = Vec::new();
        for seq in 1..=4 {
            let event = AlboEvent {
                seq,
                kind: "published".into(),
                entry: register_number(2026, seq),
                detail: format!("sha256={seq:064}"),
                at_ms: 1_000 * seq,
            };
            let link = event.chain_hash(&previous);
            previous = link.clone();
            chain.push((event, link));
        }
        assert!(verify_chain(&chain).is_empty());
        let mut changed = chain.clone();
        changed[1].0.detail = "sha256=altro".into();
        assert_eq!(verify_chain(&changed), vec![ChainFault::Link { seq: 2 }]);
        let mut missing = chain.clone();
        missing.remove(2);
        assert_eq!(
            verify_chain(&missing),
            vec![
                ChainFault::Sequence {
                    seq: 4,
                    expected: 3
                },
                ChainFault::Link { seq: 4 }
            ]
        );
    }

    #[test]
    fn an_outage_is_the_gap_beyond_the_beat() {
        assert_eq!(outage_ms(0, 60_000, BEAT_INTERVAL_MS), 0);
        assert_eq!(outage_ms(0, 110_000, BEAT_INTERVAL_MS), 0, "a late beat");
        // Down for ten minutes: beats at 0 and 11 minutes.
        assert_eq!(outage_ms(0, 660_000, BEAT_INTERVAL_MS), 600_000);
        assert_eq!(
            outage_ms(100, 50, BEAT_INTERVAL_MS),
            0,
            "a clock going back"
        );
        assert_eq!(register_number(2026, 42), "2026/0042");
    }
}
