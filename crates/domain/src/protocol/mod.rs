//! The protocol register (DPR 445/2000 art. 53): the fields of a registration that may never
//! change, their canonical form, and the hash chain that makes a change, removal or insertion
//! made behind the program's back detectable. Numbers are per AOO, at least seven digits, and
//! restart each 1 January; the chain runs across years.

use sha2::{Digest, Sha256};

pub mod segnatura;

/// The hash before the first registration of a register.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Inbound (arrivo) or outbound (partenza).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Inbound => "E",
            Direction::Outbound => "U",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "E" => Some(Direction::Inbound),
            "U" => Some(Direction::Outbound),
            _ => None,
        }
    }
}

/// The registration number as printed: seven digits at least.
pub fn format_number(number: i64) -> String {
    format!("{number:07}")
}

/// A registration as the register names it: number and year, «0000028/2026».
pub fn registration_label(year: i64, number: i64) -> String {
    format!("{}/{year}", format_number(number))
}

/// An attachment as registered: its description and digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRecord {
    pub description: String,
    /// SHA-256, hex.
    pub digest: String,
}

/// The immutable fields of a registration (art. 53), as the chain covers them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    pub aoo: String,
    pub year: i32,
    pub number: i64,
    /// Instant of registration, RFC 3339 UTC with microseconds.
    pub registered_at: String,
    pub direction: Direction,
    /// Sender (inbound) or recipients (outbound).
    pub correspondent: String,
    pub subject: String,
    /// Date and number of the sender's own document, if any.
    pub sender_reference: Option<String>,
    /// SHA-256 of the main document, hex.
    pub document_digest: String,
    pub attachments: Vec<AttachmentRecord>,
}

fn push_field(out: &mut String, name: &str, value: &str) {
    // Length-prefixed, so that no value can imitate a field boundary.
    out.push_str(name);
    out.push(':');
    out.push_str(&value.len().to_string());
    out.push(':');
    out.push_str(value);
    out.push('\n');
}

impl Registration {
    /// A deterministic text of every immutable field.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        push_field(&mut s, "aoo", &self.aoo);
        push_field(&mut s, "year", &self.year.to_string());
        push_field(&mut s, "number", &self.number.to_string());
        push_field(&mut s, "registered_at", &self.registered_at);
        push_field(&mut s, "direction", self.direction.code());
        push_field(&mut s, "correspondent", &self.correspondent);
        push_field(&mut s, "subject", &self.subject);
        push_field(
            &mut s,
            "sender_reference",
            self.sender_reference.as_deref().unwrap_or_default(),
        );
        push_field(&mut s, "document_digest", &self.document_digest);
        push_field(&mut s, "attachments", &self.attachments.len().to_string());
        for a in &self.attachments {
            push_field(&mut s, "attachment_description", &a.description);
            push_field(&mut s, "attachment_digest", &a.digest);
        }
        s
    }

    /// This registration's link in the chain, given the previous link.
    pub fn chain_hash(&self, previous: &str) -> String {
        let mut h = Sha256::new();
        h.update(previous.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A registration as stored, with its links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRegistration {
    pub registration: Registration,
    pub previous_hash: String,
    pub hash: String,
}

/// What `verify_chain` finds wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// A number is missing in a year: removed, or never written.
    Gap { year: i32, missing: i64 },
    /// The same number twice in a year.
    Duplicate { year: i32, number: i64 },
    /// The stored fields no longer give the stored hash: changed.
    Altered { year: i32, number: i64 },
    /// The previous-hash link does not match the registration before: something was removed,
    /// inserted or reordered.
    BrokenLink { year: i32, number: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Gap { year, missing } => {
                write!(f, "{year}: numero {} mancante", format_number(*missing))
            }
            ChainProblem::Duplicate { year, number } => {
                write!(f, "{year}: numero {} ripetuto", format_number(*number))
            }
            ChainProblem::Altered { year, number } => {
                write!(
                    f,
                    "{year}/{}: dati modificati dopo la registrazione",
                    format_number(*number)
                )
            }
            ChainProblem::BrokenLink { year, number } => {
                write!(f, "{year}/{}: catena interrotta (registrazione inserita o rimossa prima di questa)", format_number(*number))
            }
        }
    }
}

/// Verifies one AOO's register, given in registration order (year, number). An empty result
/// means the register is intact: gapless, no duplicates, every hash and every link right.
pub fn verify_chain(records: &[StoredRegistration]) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    let mut previous_hash = GENESIS.to_string();
    let mut previous: Option<(i32, i64)> = None;
    for r in records {
        let (year, number) = (r.registration.year, r.registration.number);
        let expected_number = match previous {
            Some((y, n)) if y == year => n + 1,
            _ => 1,
        };
        if previous == Some((year, number))
            || previous.is_some_and(|(y, n)| y == year && number < n)
        {
            problems.push(ChainProblem::Duplicate { year, number });
        } else {
            for missing in expected_number..number {
                problems.push(ChainProblem::Gap { year, missing });
            }
        }
        if r.registration.chain_hash(&r.previous_hash) != r.hash {
            problems.push(ChainProblem::Altered { year, number });
        }
        if r.previous_hash != previous_hash {
            problems.push(ChainProblem::BrokenLink { year, number });
        }
        previous_hash = r.hash.clone();
        previous = Some((year, number));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(year: i32, number: i64) -> Registration {
        Registration {
            aoo: "AOO-049009".into(),
            year,
            number,
            registered_at: format!("{year}-03-01T10:00:00.{number:06}Z"),
            direction: Direction::Inbound,
            correspondent: "RSSMRA80A01E625I".into(),
            subject: format!("Domanda {number}"),
            sender_reference: None,
            document_digest: "ab".repeat(32),
            attachments: vec![AttachmentRecord {
                description: "planimetria.pdf".into(),
                digest: "cd".repeat(32),
            }],
        }
    }

    fn chain(ids: &[(i32, i64)]) -> Vec<StoredRegistration> {
        let mut previous = GENESIS.to_string();
        ids.iter()
            .map(|&(y, n)| {
                let registration = registration(y, n);
                let hash = registration.chain_hash(&previous);
                let stored = StoredRegistration {
                    registration,
                    previous_hash: previous.clone(),
                    hash: hash.clone(),
                };
                previous = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_intact_register_across_a_year_change() {
        assert_eq!(
            verify_chain(&chain(&[
                (2026, 1),
                (2026, 2),
                (2026, 3),
                (2027, 1),
                (2027, 2)
            ])),
            vec![]
        );
        assert_eq!(format_number(42), "0000042");
        assert_eq!(format_number(12_345_678), "12345678");
    }

    #[test]
    fn changes_removals_and_insertions_are_found() {
        let mut c = chain(&[(2026, 1), (2026, 2), (2026, 3)]);
        c[1].registration.subject = "Altro oggetto".into();
        assert_eq!(
            verify_chain(&c),
            vec![ChainProblem::Altered {
                year: 2026,
                number: 2
            }]
        );

        let mut c = chain(&[(2026, 1), (2026, 2), (2026, 3)]);
        c.remove(1);
        assert_eq!(
            verify_chain(&c),
            vec![
                ChainProblem::Gap {
                    year: 2026,
                    missing: 2
                },
                ChainProblem::BrokenLink {
                    year: 2026,
                    number: 3
                }
            ]
        );

        // Removing the last one and renumbering nothing: the tail is simply shorter, which only
        // the count kept elsewhere (the counter) can reveal; an insertion is always visible.
        let mut c = chain(&[(2026, 1), (2026, 2)]);
        let forged = registration(2026, 2);
        c.insert(
            1,
            StoredRegistration {
                hash: forged.chain_hash(&c[0].hash),
                previous_hash: c[0].hash.clone(),
                registration: forged,
            },
        );
        let problems = verify_chain(&c);
        assert!(problems.contains(&ChainProblem::Duplicate {
            year: 2026,
            number: 2
        }));
        assert!(problems.contains(&ChainProblem::BrokenLink {
            year: 2026,
            number: 2
        }));

        // Changing a field and recomputing that record's hash still breaks the next link.
        let mut c = chain(&[(2026, 1), (2026, 2), (2026, 3)]);
        c[1].registration.correspondent = "someone else".into();
        c[1].hash = c[1].registration.chain_hash(&c[1].previous_hash);
        assert_eq!(
            verify_chain(&c),
            vec![ChainProblem::BrokenLink {
                year: 2026,
                number: 3
            }]
        );
    }

    #[test]
    fn the_canonical_form_cannot_be_confused() {
        let mut a = registration(2026, 1);
        let mut b = registration(2026, 1);
        a.subject = "x\nsubject:1:y".into();
        b.subject = "x".into();
        b.sender_reference = Some("y".into());
        assert_ne!(a.canonical(), b.canonical());
    }
}
