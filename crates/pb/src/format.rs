//! The pabulib `.pb` file format (arXiv:2012.06539, pabulib.org).
//!
//! A file has three sections, each opened by its name on a line of its own and followed by a
//! header line: `META` (`key;value`), `PROJECTS` (`project_id;cost;…`) and `VOTES`
//! (`voter_id;vote;…`). Fields are separated by `;` and may be quoted with `"` (a quote inside a
//! quoted field is doubled), as Python's `csv` module writes them; lines may end in `\r\n`.
//! Columns we do not interpret are kept as they are and written back.

use crate::rational::Q;
pub use crate::reader::Row;
use std::fmt;

/// The kind of ballot the voters cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteType {
    /// Any set of projects.
    Approval,
    /// Exactly one project (counted as an approval ballot).
    ChooseOne,
    /// Points spread over projects, up to `max_sum_points`.
    Cumulative,
    /// A score for each chosen project.
    Scoring,
    /// A ranking, best first.
    Ordinal,
}

impl VoteType {
    /// The META value naming this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteType::Approval => "approval",
            VoteType::ChooseOne => "choose-1",
            VoteType::Cumulative => "cumulative",
            VoteType::Scoring => "scoring",
            VoteType::Ordinal => "ordinal",
        }
    }

    /// Parses a META `vote_type` value.
    pub fn parse(s: &str) -> Option<VoteType> {
        Some(match s {
            "approval" => VoteType::Approval,
            "choose-1" => VoteType::ChooseOne,
            "cumulative" => VoteType::Cumulative,
            "scoring" => VoteType::Scoring,
            "ordinal" => VoteType::Ordinal,
            _ => return None,
        })
    }

    /// Whether ballots carry points.
    pub fn has_points(self) -> bool {
        matches!(self, VoteType::Cumulative | VoteType::Scoring)
    }

    /// Whether a ballot is a set of approved projects (approval and choose-1).
    pub fn is_approval(self) -> bool {
        matches!(self, VoteType::Approval | VoteType::ChooseOne)
    }
}

/// A project, with its cost in units of `10^-scale` of the currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The `project_id` column, trimmed.
    pub id: String,
    /// The cost, scaled by the election's `scale`.
    pub cost: i128,
    /// Every column of the row, aligned with [`Election::project_columns`].
    pub fields: Row,
}

/// One voter's ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    /// The projects voted for, as indexes into [`Election::projects`], in the order written (the
    /// ranking, for ordinal ballots). Approval ballots hold each project once.
    pub projects: Vec<usize>,
    /// Points given to each project of `projects`, when the file has a `points` column.
    pub points: Vec<i64>,
    /// Every column of the row, aligned with [`Election::vote_columns`].
    pub fields: Row,
}

/// A participatory-budgeting election: an instance (budget and projects) and a profile (ballots).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    /// The META section, in file order (including `budget` and `vote_type`).
    pub meta: Vec<(String, String)>,
    /// The kind of ballot.
    pub vote_type: VoteType,
    /// The budget limit, scaled by `scale`.
    pub budget: i128,
    /// Amounts are integers in units of `10^-scale` (0 when every amount in the file is whole).
    pub scale: u32,
    /// The PROJECTS header.
    pub project_columns: Row,
    /// The projects, in file order.
    pub projects: Vec<Project>,
    /// The VOTES header.
    pub vote_columns: Row,
    /// The ballots, in file order.
    pub ballots: Vec<Ballot>,
}

/// What is wrong with a `.pb` file, and on which line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line where the problem is (0 when it concerns the whole file).
    pub line: usize,
    /// The problem.
    pub problem: Problem,
}

/// The problems a `.pb` file can have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A line outside any section, or sections out of order.
    OutsideSection,
    /// A section is missing.
    MissingSection(&'static str),
    /// A section has no header line.
    MissingHeader(&'static str),
    /// A header lacks a required column.
    MissingColumn(&'static str),
    /// A row has a different number of fields than its header.
    FieldCount { expected: usize, found: usize },
    /// A required META key is missing.
    MissingMeta(&'static str),
    /// A META key appears twice.
    DuplicateMeta(String),
    /// A value that should be a number is not.
    NotANumber(String),
    /// A META value is not allowed.
    BadMeta { key: String, value: String },
    /// Two projects share an id.
    DuplicateProject(String),
    /// A ballot names a project the file does not list.
    UnknownProject(String),
    /// A ranking names a project twice.
    RepeatedProject(String),
    /// The points do not match the projects of a ballot.
    PointsMismatch { projects: usize, points: usize },
    /// A quoted field is not closed.
    UnclosedQuote,
    /// META `num_projects` or `num_votes` disagrees with the sections.
    CountMismatch {
        key: &'static str,
        declared: usize,
        found: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        match &self.problem {
            Problem::OutsideSection => write!(
                f,
                "this line is outside the META, PROJECTS, VOTES sections (in that order)"
            ),
            Problem::MissingSection(s) => write!(f, "the {s} section is missing"),
            Problem::MissingHeader(s) => write!(f, "the {s} section has no header line"),
            Problem::MissingColumn(c) => write!(f, "the header has no `{c}` column"),
            Problem::FieldCount { expected, found } => {
                write!(f, "{found} fields where the header has {expected}")
            }
            Problem::MissingMeta(k) => write!(f, "META has no `{k}`"),
            Problem::DuplicateMeta(k) => write!(f, "META has `{k}` twice"),
            Problem::NotANumber(v) => write!(f, "`{v}` is not a number"),
            Problem::BadMeta { key, value } => write!(f, "`{value}` is not a valid `{key}`"),
            Problem::DuplicateProject(p) => write!(f, "project `{p}` is listed twice"),
            Problem::UnknownProject(p) => write!(f, "project `{p}` is not in PROJECTS"),
            Problem::RepeatedProject(p) => write!(f, "project `{p}` is ranked twice"),
            Problem::PointsMismatch { projects, points } => {
                write!(f, "{points} points for {projects} projects")
            }
            Problem::UnclosedQuote => write!(f, "a quoted field is not closed"),
            Problem::CountMismatch {
                key,
                declared,
                found,
            } => write!(f, "META `{key}` says {declared} but the file has {found}"),
        }
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The message in Italian, for the portal.
    pub fn italian(&self) -> String {
        let what = match &self.problem {
            Problem::OutsideSection => {
                "riga fuori dalle sezioni META, PROJECTS, VOTES (in quest'ordine)".to_owned()
            }
            Problem::MissingSection(s) => format!("manca la sezione {s}"),
            Problem::MissingHeader(s) => format!("la sezione {s} non ha la riga di intestazione"),
            Problem::MissingColumn(c) => format!("l'intestazione non ha la colonna «{c}»"),
            Problem::FieldCount { expected, found } => {
                format!("{found} campi, l'intestazione ne ha {expected}")
            }
            Problem::MissingMeta(k) => format!("in META manca «{k}»"),
            Problem::DuplicateMeta(k) => format!("in META «{k}» compare due volte"),
            Problem::NotANumber(v) => format!("«{v}» non è un numero"),
            Problem::BadMeta { key, value } => {
                format!("«{value}» non è un valore ammesso per «{key}»")
            }
            Problem::DuplicateProject(p) => format!("il progetto «{p}» compare due volte"),
            Problem::UnknownProject(p) => format!("il progetto «{p}» non è tra i PROJECTS"),
            Problem::RepeatedProject(p) => format!("il progetto «{p}» è in graduatoria due volte"),
            Problem::PointsMismatch { projects, points } => {
                format!("{points} punteggi per {projects} progetti")
            }
            Problem::UnclosedQuote => "un campo tra virgolette non è chiuso".to_owned(),
            Problem::CountMismatch {
                key,
                declared,
                found,
            } => format!("META «{key}» dichiara {declared} ma il file ne contiene {found}"),
        };
        if self.line > 0 {
            format!("riga {}: {what}", self.line)
        } else {
            what
        }
    }
}

pub(crate) fn err(line: usize, problem: Problem) -> ParseError {
    ParseError { line, problem }
}

/// A decimal amount as (digits, digits after the point); `,` is accepted as the point.
pub(crate) fn decimal(s: &str) -> Option<(i128, u32)> {
    let s = s.trim();
    let (int, frac) = match s.split_once(['.', ',']) {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let negative = int.starts_with('-');
    let int = int.trim_start_matches(['-', '+']);
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let digits: String = format!("{int}{frac}");
    let value: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let scale = u32::try_from(frac.len()).ok()?;
    Some((if negative { -value } else { value }, scale))
}

pub(crate) fn rescale(value: i128, from: u32, to: u32) -> Option<i128> {
    10i128
        .checked_pow(to.checked_sub(from)?)
        .and_then(|f| value.checked_mul(f))
}

impl Election {
    /// Reads a `.pb` file.
    pub fn parse(text: &str) -> Result<Election, ParseError> {
        crate::reader::parse(text)
    }

    /// A ballot's `voter_id`.
    pub fn voter_id<'a>(&self, ballot: &'a Ballot) -> &'a str {
        self.vote_columns
            .position("voter_id")
            .and_then(|c| ballot.fields.get(c))
            .map(str::trim)
            .unwrap_or("")
    }

    /// A META value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A META value that is a whole number.
    pub fn meta_u64(&self, key: &str) -> Option<u64> {
        self.meta(key).and_then(|v| v.trim().parse().ok())
    }

    /// A META value as an exact number (`min_project_score_threshold`, for example).
    pub fn meta_number(&self, key: &str) -> Option<Q> {
        let (v, s) = decimal(self.meta(key)?)?;
        Some(Q::ratio(v, 10i128.checked_pow(s)?))
    }

    /// One unit of currency in the scaled amounts.
    pub fn unit(&self) -> i128 {
        10i128.checked_pow(self.scale).unwrap_or(1)
    }

    /// A scaled amount written as a decimal number.
    pub fn format_amount(&self, amount: i128) -> String {
        if self.scale == 0 {
            return amount.to_string();
        }
        let unit = self.unit();
        let sign = if amount < 0 { "-" } else { "" };
        let a = amount.unsigned_abs();
        let u = unit.unsigned_abs();
        let frac = format!("{:0width$}", a % u, width = self.scale as usize);
        format!("{sign}{}.{}", a / u, frac.trim_end_matches('0'))
            .trim_end_matches('.')
            .to_owned()
    }

    /// The value of a project column, if the file has it.
    pub fn project_field(&self, project: usize, column: &str) -> Option<&str> {
        let c = self
            .project_columns
            .iter()
            .position(|h| h.trim() == column)?;
        self.projects.get(project)?.fields.get(c).map(|s| s.trim())
    }

    /// The official outcome in the `selected` column, when present: the projects marked with a
    /// non-zero value.
    pub fn official_selection(&self) -> Option<Vec<usize>> {
        let c = self
            .project_columns
            .iter()
            .position(|h| h.trim() == "selected")?;
        Some(
            self.projects
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.fields
                        .get(c)
                        .map(|v| v.trim())
                        .is_some_and(|v| !v.is_empty() && v != "0")
                })
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// Writes the election as a `.pb` file. Parsing the result gives back an equal election.
    pub fn to_pb(&self) -> String {
        let mut out = String::new();
        let mut line = |fields: &mut dyn Iterator<Item = &str>| {
            let mut first = true;
            for f in fields {
                if !first {
                    out.push(';');
                }
                first = false;
                if f.contains([';', '"', '\n', '\r']) || f.starts_with(' ') && f.trim().is_empty() {
                    out.push('"');
                    out.push_str(&f.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(f);
                }
            }
            out.push('\n');
        };
        line(&mut ["META"].into_iter());
        line(&mut ["key", "value"].into_iter());
        for (k, v) in &self.meta {
            line(&mut [k.as_str(), v.as_str()].into_iter());
        }
        line(&mut ["PROJECTS"].into_iter());
        line(&mut self.project_columns.iter());
        for p in &self.projects {
            line(&mut p.fields.iter());
        }
        line(&mut ["VOTES"].into_iter());
        line(&mut self.vote_columns.iter());
        for b in &self.ballots {
            line(&mut b.fields.iter());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "META\r\nkey;value\r\ndescription;\"Quoted; with \"\"quotes\"\"\"\r\nnum_projects;3\r\nbudget;100.50\r\nvote_type;approval\r\nrule;greedy\r\nPROJECTS\r\nproject_id;cost;votes;name;selected\r\n1;60;2;\"Park; north\";1\r\n2;40.25;1;Library;1\r\n3;50;1;Square;0\r\nVOTES\r\nvoter_id;vote\r\nv1;1,2\r\nv2;1,3,1\r\n";

    #[test]
    fn reads_quotes_crlf_decimals_and_round_trips() -> Result<(), ParseError> {
        let e = Election::parse(SMALL)?;
        assert_eq!(e.vote_type, VoteType::Approval);
        assert_eq!(e.scale, 2);
        assert_eq!(e.budget, 10050);
        assert_eq!(
            e.projects.iter().map(|p| p.cost).collect::<Vec<_>>(),
            vec![6000, 4025, 5000]
        );
        assert_eq!(e.meta("description"), Some("Quoted; with \"quotes\""));
        assert_eq!(e.project_field(0, "name"), Some("Park; north"));
        assert_eq!(
            e.ballots.get(1).map(|b| b.projects.clone()),
            Some(vec![0, 2])
        );
        assert_eq!(e.official_selection(), Some(vec![0, 1]));
        assert_eq!(e.format_amount(e.budget), "100.5");
        let again = Election::parse(&e.to_pb())?;
        assert_eq!(again, e);
        Ok(())
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                SMALL.replace("v2;1,3,1", "v2;1,9"),
                16,
                "project `9` is not in PROJECTS",
            ),
            (
                SMALL.replace("2;40.25;1;Library;1", "2;forty;1;Library;1"),
                11,
                "`forty` is not a number",
            ),
            (
                SMALL.replace("3;50;1;Square;0", "3;50;1;Square"),
                12,
                "4 fields where the header has 5",
            ),
            (
                SMALL.replace("num_projects;3", "num_projects;4"),
                4,
                "META `num_projects` says 4 but the file has 3",
            ),
            (
                SMALL.replace("vote_type;approval", "vote_type;plurality"),
                6,
                "`plurality` is not a valid `vote_type`",
            ),
            (
                SMALL.replace("\"Park; north\"", "\"Park; north"),
                10,
                "a quoted field is not closed",
            ),
        ];
        for (text, line, message) in cases {
            match Election::parse(&text) {
                Err(e) => {
                    assert_eq!(e.line, line, "{e}");
                    assert_eq!(e.to_string(), format!("line {line}: {message}"));
                    assert!(e.italian().starts_with(&format!("riga {line}: ")));
                }
                Ok(_) => panic!("accepted: {message}"),
            }
        }
        let missing = Election::parse("META\nkey;value\nbudget;1\nvote_type;approval\n");
        assert_eq!(
            missing.err().map(|e| e.problem),
            Some(Problem::MissingSection("PROJECTS"))
        );
    }

    #[test]
    fn ordinal_rankings_refuse_repeats_and_points_must_match() {
        let ordinal = "META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\na;5\nb;5\nVOTES\nvoter_id;vote\n1;a,b,a\n";
        assert_eq!(
            Election::parse(ordinal).err().map(|e| (e.line, e.problem)),
            Some((11, Problem::RepeatedProject("a".into())))
        );
        let cumulative = "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;5\nb;5\nVOTES\nvoter_id;vote;points\n1;a,b;3\n";
        assert_eq!(
            Election::parse(cumulative)
                .err()
                .map(|e| (e.line, e.problem)),
            Some((
                11,
                Problem::PointsMismatch {
                    projects: 2,
                    points: 1
                }
            ))
        );
    }
}
