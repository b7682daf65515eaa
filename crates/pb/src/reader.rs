//! Reading `.pb` text: records of `;`-separated fields, then the three sections.
//!
//! The reader is built for speed on files of tens of thousands of ballots: unquoted lines are
//! split in place, each row is stored as one string with field boundaries (two allocations per
//! row), and project ids are looked up in a hash map with a fast non-cryptographic hash.

use crate::format::{
    decimal, err, rescale, Ballot, Election, ParseError, Problem, Project, VoteType,
};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The fields of one row, stored back to back in one string (one allocation for the usual
/// rows of up to eight fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    text: String,
    ends: Ends,
}

/// Where each field ends in the row's text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ends {
    Inline(u8, [u32; 8]),
    Heap(Vec<u32>),
}

impl Default for Ends {
    fn default() -> Self {
        Ends::Inline(0, [0; 8])
    }
}

impl Ends {
    fn as_slice(&self) -> &[u32] {
        match self {
            Ends::Inline(n, a) => a.get(..*n as usize).unwrap_or(&[]),
            Ends::Heap(v) => v,
        }
    }

    fn push(&mut self, end: u32) {
        match self {
            Ends::Inline(n, a) => match a.get_mut(*n as usize) {
                Some(slot) => {
                    *slot = end;
                    *n += 1;
                }
                None => {
                    let mut v = a.to_vec();
                    v.push(end);
                    *self = Ends::Heap(v);
                }
            },
            Ends::Heap(v) => v.push(end),
        }
    }

    fn clear(&mut self) {
        match self {
            Ends::Inline(n, _) => *n = 0,
            Ends::Heap(v) => v.clear(),
        }
    }
}

impl Row {
    /// A row of the given fields.
    pub fn new<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> Row {
        let mut row = Row::default();
        for f in fields {
            row.push(f.as_ref());
        }
        row
    }

    /// Appends a field.
    pub fn push(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The `i`-th field.
    pub fn get(&self, i: usize) -> Option<&str> {
        let ends = self.ends.as_slice();
        let end = *ends.get(i)? as usize;
        let start = if i == 0 {
            0
        } else {
            *ends.get(i - 1)? as usize
        };
        self.text.get(start..end)
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.as_slice().len()
    }

    /// Whether the row has no field.
    pub fn is_empty(&self) -> bool {
        self.ends.as_slice().is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    /// The position of the column named `name` (trimmed), in a header row.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.iter().position(|h| h.trim() == name)
    }

    /// The `i`-th field, or "" when the row is shorter.
    fn at(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }

    fn blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    fn compact(&self) -> Row {
        Row {
            text: self.text.clone(),
            ends: self.ends.clone(),
        }
    }
}

/// FNV-1a: project ids are short and not adversarial enough to need SipHash.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Reader<'_> {
    /// Reads the next record into `row`; returns the line it starts on, or `None` at the end.
    fn next(&mut self, row: &mut Row) -> Result<Option<usize>, ParseError> {
        row.clear();
        let rest = self.text.get(self.pos..).unwrap_or("");
        if rest.is_empty() {
            return Ok(None);
        }
        let start = self.line;
        let end = rest.find('\n').unwrap_or(rest.len());
        let line = rest.get(..end).unwrap_or("");
        if !line.contains('"') {
            for field in line.strip_suffix('\r').unwrap_or(line).split(';') {
                row.push(field);
            }
            self.pos += (end + 1).min(rest.len());
            self.line += 1;
            return Ok(Some(start));
        }
        // A line with quotes: a quoted field may hold `;`, doubled quotes and line ends.
        let mut field = String::new();
        let mut chars = rest.char_indices().peekable();
        let mut quoted = false;
        let mut at_start = true;
        let mut consumed = rest.len();
        while let Some((i, c)) = chars.next() {
            if quoted {
                if c == '"' {
                    if chars.peek().map(|(_, c)| *c) == Some('"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    if c == '\n' {
                        self.line += 1;
                    }
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if at_start => {
                    quoted = true;
                    at_start = false;
                }
                ';' => {
                    row.push(&field);
                    field.clear();
                    at_start = true;
                }
                '\r' if chars.peek().map(|(_, c)| *c) == Some('\n') => {}
                '\n' => {
                    consumed = i + 1;
                    break;
                }
                c => {
                    field.push(c);
                    at_start = false;
                }
            }
        }
        if quoted {
            return Err(err(start, Problem::UnclosedQuote));
        }
        row.push(&field);
        self.pos += consumed;
        self.line += 1;
        Ok(Some(start))
    }
}

fn section_name(i: u8) -> &'static str {
    ["META", "PROJECTS", "VOTES"]
        .get(i as usize)
        .copied()
        .unwrap_or("VOTES")
}

fn section_of(row: &Row) -> Option<&'static str> {
    if row.iter().skip(1).any(|f| !f.trim().is_empty()) {
        return None;
    }
    let first = row.get(0)?.trim();
    ["META", "PROJECTS", "VOTES"]
        .into_iter()
        .find(|s| first.eq_ignore_ascii_case(s))
}

fn column(header: &Row, name: &'static str, line: usize) -> Result<usize, ParseError> {
    header
        .position(name)
        .ok_or_else(|| err(line, Problem::MissingColumn(name)))
}

/// What the META section says, checked.
struct Meta {
    pairs: Vec<(String, String)>,
    lines: HashMap<String, usize>,
    vote_type: VoteType,
    budget: i128,
    budget_scale: u32,
}

fn finish_meta(
    pairs: Vec<(String, String)>,
    lines: HashMap<String, usize>,
) -> Result<Meta, ParseError> {
    let get = |k: &'static str| -> Result<(usize, &str), ParseError> {
        let line = lines
            .get(k)
            .copied()
            .ok_or_else(|| err(0, Problem::MissingMeta(k)))?;
        let value = pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        Ok((line, value))
    };
    let (tl, vt) = get("vote_type")?;
    let vote_type = VoteType::parse(vt).ok_or_else(|| {
        err(
            tl,
            Problem::BadMeta {
                key: "vote_type".into(),
                value: vt.into(),
            },
        )
    })?;
    let (bl, bt) = get("budget")?;
    let (budget, budget_scale) =
        decimal(bt).ok_or_else(|| err(bl, Problem::NotANumber(bt.into())))?;
    if budget < 0 {
        return Err(err(
            bl,
            Problem::BadMeta {
                key: "budget".into(),
                value: bt.into(),
            },
        ));
    }
    for key in [
        "min_length",
        "max_length",
        "max_sum_points",
        "min_sum_points",
        "num_projects",
        "num_votes",
    ] {
        if let Ok((line, v)) = get(key) {
            if v.parse::<u64>().is_err() {
                return Err(err(line, Problem::NotANumber(v.into())));
            }
        }
    }
    if let Ok((line, v)) = get("min_project_score_threshold") {
        if decimal(v).is_none() {
            return Err(err(line, Problem::NotANumber(v.into())));
        }
    }
    Ok(Meta {
        pairs,
        lines,
        vote_type,
        budget,
        budget_scale,
    })
}

/// Reads a `.pb` file.
pub(crate) fn parse(text: &str) -> Result<Election, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader {
        text,
        pos: 0,
        line: 1,
    };
    let mut row = Row::default();
    // 0 before META, 1 in META, 2 in PROJECTS, 3 in VOTES.
    let mut section = 0u8;
    let mut section_line = 0usize;
    let mut header: Option<(usize, Row)> = None;

    let mut meta_pairs: Vec<(String, String)> = Vec::new();
    let mut meta_lines: HashMap<String, usize> = HashMap::new();
    let mut meta: Option<Meta> = None;
    let mut project_columns = Row::default();
    let mut projects: Vec<Project> = Vec::new();
    let mut raw_costs: Vec<(i128, u32, usize)> = Vec::new();
    let mut index: FastMap<String, usize> = FastMap::default();
    let mut scale = 0u32;
    let mut vote_columns = Row::default();
    let (mut vote_col, mut points_col) = (0usize, None);
    let (mut id_col, mut cost_col) = (0usize, 1usize);
    let mut ballots: Vec<Ballot> = Vec::new();
    let mut stamp: Vec<usize> = Vec::new();
    let mut keep: Vec<bool> = Vec::new();

    while let Some(line) = reader.next(&mut row)? {
        if row.blank() {
            continue;
        }
        if let Some(name) = section_of(&row) {
            let expected = ["META", "PROJECTS", "VOTES"].get(section as usize).copied();
            if expected != Some(name) {
                return Err(err(line, Problem::OutsideSection));
            }
            if section > 0 && header.is_none() {
                return Err(err(
                    section_line,
                    Problem::MissingHeader(section_name(section - 1)),
                ));
            }
            section += 1;
            section_line = line;
            header = None;
            match section {
                2 => {
                    meta = Some(finish_meta(
                        std::mem::take(&mut meta_pairs),
                        std::mem::take(&mut meta_lines),
                    )?)
                }
                3 => {
                    let m = meta
                        .as_ref()
                        .ok_or_else(|| err(line, Problem::MissingSection("META")))?;
                    scale = raw_costs.iter().map(|c| c.1).fold(m.budget_scale, u32::max);
                    for (p, &(cost, s, l)) in projects.iter_mut().zip(&raw_costs) {
                        p.cost = rescale(cost, s, scale)
                            .ok_or_else(|| err(l, Problem::NotANumber("(too large)".into())))?;
                    }
                    stamp = vec![usize::MAX; projects.len()];
                }
                _ => {}
            }
            continue;
        }
        if header.is_none() {
            match section {
                0 => return Err(err(line, Problem::OutsideSection)),
                2 => {
                    id_col = column(&row, "project_id", line)?;
                    cost_col = column(&row, "cost", line)?;
                    project_columns = row.compact();
                }
                3 => {
                    column(&row, "voter_id", line)?;
                    vote_col = column(&row, "vote", line)?;
                    points_col = row.position("points");
                    let vote_type = meta
                        .as_ref()
                        .map(|m| m.vote_type)
                        .unwrap_or(VoteType::Approval);
                    if vote_type.has_points() && points_col.is_none() {
                        return Err(err(line, Problem::MissingColumn("points")));
                    }
                    vote_columns = row.compact();
                }
                _ => {}
            }
            header = Some((line, row.compact()));
            continue;
        }
        match section {
            1 => {
                if row.len() != 2 {
                    return Err(err(
                        line,
                        Problem::FieldCount {
                            expected: 2,
                            found: row.len(),
                        },
                    ));
                }
                let key = row.at(0).trim().to_owned();
                if meta_lines.insert(key.clone(), line).is_some() {
                    return Err(err(line, Problem::DuplicateMeta(key)));
                }
                meta_pairs.push((key, row.at(1).trim().to_owned()));
            }
            2 => {
                if row.len() != project_columns.len() {
                    return Err(err(
                        line,
                        Problem::FieldCount {
                            expected: project_columns.len(),
                            found: row.len(),
                        },
                    ));
                }
                let id = row.at(id_col).trim().to_owned();
                let cost_text = row.at(cost_col).trim();
                let (cost, s) = decimal(cost_text)
                    .filter(|(c, _)| *c >= 0)
                    .ok_or_else(|| err(line, Problem::NotANumber(cost_text.to_owned())))?;
                if id.is_empty() || index.insert(id.clone(), projects.len()).is_some() {
                    return Err(err(line, Problem::DuplicateProject(id)));
                }
                raw_costs.push((cost, s, line));
                projects.push(Project {
                    id,
                    cost: 0,
                    fields: row.compact(),
                });
            }
            _ => {
                if row.len() != vote_columns.len() {
                    return Err(err(
                        line,
                        Problem::FieldCount {
                            expected: vote_columns.len(),
                            found: row.len(),
                        },
                    ));
                }
                let vote_type = meta
                    .as_ref()
                    .map(|m| m.vote_type)
                    .unwrap_or(VoteType::Approval);
                let number = ballots.len();
                let mut chosen = Vec::new();
                keep.clear();
                for name in row
                    .at(vote_col)
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    let &p = index
                        .get(name)
                        .ok_or_else(|| err(line, Problem::UnknownProject(name.to_owned())))?;
                    let slot = stamp
                        .get_mut(p)
                        .ok_or_else(|| err(line, Problem::UnknownProject(name.to_owned())))?;
                    let repeated = *slot == number;
                    if repeated && !vote_type.is_approval() {
                        return Err(err(line, Problem::RepeatedProject(name.to_owned())));
                    }
                    *slot = number;
                    keep.push(!repeated);
                    if !repeated {
                        chosen.push(p);
                    }
                }
                let mut points = Vec::new();
                if let Some(pc) = points_col {
                    let text = row.at(pc).trim();
                    let given = text.split(',').map(str::trim).filter(|s| !s.is_empty());
                    let count = given.clone().count();
                    if count > 0 || vote_type.has_points() {
                        if count != keep.len() {
                            return Err(err(
                                line,
                                Problem::PointsMismatch {
                                    projects: keep.len(),
                                    points: count,
                                },
                            ));
                        }
                        for (t, k) in given.zip(&keep) {
                            let v = t
                                .parse::<i64>()
                                .ok()
                                .or_else(|| {
                                    t.parse::<f64>()
                                        .ok()
                                        .filter(|f| f.fract() == 0.0)
                                        .map(|f| f as i64)
                                })
                                .ok_or_else(|| err(line, Problem::NotANumber(t.to_owned())))?;
                            if *k {
                                points.push(v);
                            }
                        }
                    }
                }
                ballots.push(Ballot {
                    projects: chosen,
                    points,
                    fields: row.compact(),
                });
            }
        }
    }
    if section > 0 && header.is_none() {
        return Err(err(
            section_line,
            Problem::MissingHeader(section_name(section - 1)),
        ));
    }
    let missing = match section {
        0 => Some("META"),
        1 => Some("PROJECTS"),
        2 => Some("VOTES"),
        _ => None,
    };
    if let Some(name) = missing {
        return Err(err(0, Problem::MissingSection(name)));
    }
    let meta = meta.ok_or_else(|| err(0, Problem::MissingSection("META")))?;
    let budget = rescale(meta.budget, meta.budget_scale, scale).ok_or_else(|| {
        err(
            meta.lines.get("budget").copied().unwrap_or(0),
            Problem::NotANumber("(too large)".into()),
        )
    })?;
    let election = Election {
        meta: meta.pairs,
        vote_type: meta.vote_type,
        budget,
        scale,
        project_columns,
        projects,
        vote_columns,
        ballots,
    };
    for (key, found) in [
        ("num_projects", election.projects.len()),
        ("num_votes", election.ballots.len()),
    ] {
        if let Some(declared) = election.meta_u64(key) {
            if declared as usize != found {
                let line = meta.lines.get(key).copied().unwrap_or(0);
                return Err(err(
                    line,
                    Problem::CountMismatch {
                        key,
                        declared: declared as usize,
                        found,
                    },
                ));
            }
        }
    }
    Ok(election)
}
