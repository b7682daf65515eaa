//! `sportello pb …`: tallies of pabulib files, and the benchmark against pabutools.

use anyhow::{anyhow, Context};
use serde_json::json;
use sportello_pb::{
    equal_shares, greedy, Completion, Election, Greedy, MesOptions, Outcome, Utility,
};
use std::path::Path;

/// The rules `pb tally` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleName {
    /// Greedy by support, skipping projects that do not fit.
    Greedy,
    /// Greedy by support, stopping at the first project that does not fit.
    GreedyNoSkip,
    /// Greedy by support among projects reaching META `min_project_score_threshold`.
    GreedyThreshold,
    /// The Method of Equal Shares (approval ballots).
    Mes,
}

impl RuleName {
    /// The name used in pabulib's META `rule` and in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleName::Greedy => "greedy",
            RuleName::GreedyNoSkip => "greedy-no-skip",
            RuleName::GreedyThreshold => "greedy-threshold",
            RuleName::Mes => "mes",
        }
    }
}

/// MES utility, as a CLI value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum UtilityName {
    Cost,
    Cardinality,
}

/// MES completion, as a CLI value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionName {
    Add1,
    None,
}

/// Options of `pb tally`.
pub struct TallyArgs {
    pub rule: RuleName,
    pub utility: UtilityName,
    pub completion: CompletionName,
    pub greedy_completion: bool,
    pub json: bool,
}

/// Reads a `.pb` file, naming the file and line of any problem.
pub fn read(path: &Path) -> anyhow::Result<Election> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    Election::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// A process's short address from a file name: lower-case letters, digits and hyphens.
pub fn slug_from(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(60).collect()
}

/// Runs a rule on an election.
pub fn tally(election: &Election, args: &TallyArgs) -> anyhow::Result<Outcome> {
    let rule = match args.rule {
        RuleName::Mes => {
            let options = MesOptions {
                utility: match args.utility {
                    UtilityName::Cost => Utility::Cost,
                    UtilityName::Cardinality => Utility::Cardinality,
                },
                completion: match args.completion {
                    CompletionName::Add1 => Completion::Add1,
                    CompletionName::None => Completion::None,
                },
                greedy_completion: args.greedy_completion,
            };
            return equal_shares(election, options).map_err(|e| anyhow!("{e}"));
        }
        other => Greedy::from_rule(other.as_str(), election)
            .ok_or_else(|| anyhow!("unknown rule {}", other.as_str()))?,
    };
    Ok(greedy(election, &rule))
}

/// The report of `pb tally`: JSON (`--json`) or a table for people.
pub fn report(election: &Election, outcome: &Outcome, args: &TallyArgs) -> String {
    let rule = match args.rule {
        RuleName::Mes => format!(
            "mes/{}/{}{}",
            match args.utility {
                UtilityName::Cost => "cost",
                UtilityName::Cardinality => "cardinality",
            },
            match args.completion {
                CompletionName::Add1 => "add1",
                CompletionName::None => "none",
            },
            if args.greedy_completion {
                "+greedy"
            } else {
                ""
            }
        ),
        other => other.as_str().to_owned(),
    };
    let amount = |a: i128| -> serde_json::Value {
        if election.scale == 0 {
            json!(a)
        } else {
            serde_json::from_str(&election.format_amount(a)).unwrap_or(serde_json::Value::Null)
        }
    };
    if args.json {
        return json!({
            "selected": outcome.ids(election),
            "spent": amount(outcome.spent),
            "budget": amount(election.budget),
            "rule": rule,
            "voters": election.ballots.len(),
            "projects": election.projects.len(),
        })
        .to_string();
    }
    let mut text = format!(
        "{} ballots, {} projects, budget {}; rule {rule}\n",
        election.ballots.len(),
        election.projects.len(),
        election.format_amount(election.budget)
    );
    for &p in &outcome.selected {
        if let Some(project) = election.projects.get(p) {
            let name = election.project_field(p, "name").unwrap_or("");
            text.push_str(&format!(
                "  {:>12}  {:>12}  {name}\n",
                project.id,
                election.format_amount(project.cost)
            ));
        }
    }
    text.push_str(&format!(
        "{} projects funded, {} spent of {}\n",
        outcome.selected.len(),
        election.format_amount(outcome.spent),
        election.format_amount(election.budget)
    ));
    text
}

/// Options of `bench pb`.
pub struct BenchArgs {
    /// Files to run; empty: the largest approval files of `data/pabulib`.
    pub files: Vec<std::path::PathBuf>,
    /// Every approval file of `data/pabulib` rather than the largest few.
    pub all: bool,
    /// The Python interpreter that has pabutools.
    pub python: String,
    /// Fail when pabutools cannot run (CI).
    pub require_reference: bool,
}

/// One file's line of the benchmark.
#[derive(Debug, serde::Serialize)]
pub struct BenchRow {
    pub file: String,
    pub voters: usize,
    pub projects: usize,
    /// parse + greedy + MES(add1), median per run, milliseconds.
    pub ours_ms: f64,
    pub ours_mes_ms: f64,
    pub pabutools_ms: Option<f64>,
    pub pabutools_mes_ms: Option<f64>,
    pub ratio: Option<f64>,
    pub greedy_match: Option<bool>,
    pub mes_match: Option<bool>,
    pub greedy_selected: Vec<String>,
    pub mes_selected: Vec<String>,
}

fn approval_files(dir: &Path) -> anyhow::Result<Vec<(std::path::PathBuf, usize)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pb") {
            let e = read(&path)?;
            if e.vote_type.is_approval() {
                out.push((path, e.ballots.len()));
            }
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

fn progress(text: &str) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
    }
}

/// Times parse + greedy + MES on one file: the median of repeated runs (at least 5, about half
/// a second in all).
fn time_ours(text: &str) -> anyhow::Result<(f64, f64, Election, Outcome, Outcome)> {
    let mut totals = Vec::new();
    let mut mes_times = Vec::new();
    let started = std::time::Instant::now();
    loop {
        let t0 = std::time::Instant::now();
        let election = Election::parse(text).map_err(|e| anyhow!("{e}"))?;
        let greedy_outcome = greedy(&election, &Greedy::Skip);
        let t1 = std::time::Instant::now();
        let mes = equal_shares(&election, MesOptions::default()).map_err(|e| anyhow!("{e}"))?;
        let t2 = std::time::Instant::now();
        totals.push(t2.duration_since(t0).as_secs_f64() * 1e3);
        mes_times.push(t2.duration_since(t1).as_secs_f64() * 1e3);
        if totals.len() >= 5 && (started.elapsed().as_secs_f64() > 0.5 || totals.len() >= 1000) {
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v.get(v.len() / 2).copied().unwrap_or(0.0)
            };
            return Ok((
                median(&mut totals),
                median(&mut mes_times),
                election,
                greedy_outcome,
                mes,
            ));
        }
    }
}

/// Runs pabutools on the files through `bench/pb/pabutools_tally.py`; `None` when it cannot run.
fn run_reference(python: &str, files: &[std::path::PathBuf]) -> Option<Vec<serde_json::Value>> {
    let script = [
        "bench/pb/pabutools_tally.py",
        "../../bench/pb/pabutools_tally.py",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())?;
    let output = std::process::Command::new(python)
        .arg(script)
        .args(files)
        .stderr(std::process::Stdio::inherit())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (rows.len() == files.len()).then_some(rows)
}

/// `sportello bench pb`: our tallies against pabutools' on the same files, in the same run.
/// Returns the report; its last line is one JSON object. Fails when an outcome differs.
pub fn bench(args: BenchArgs) -> anyhow::Result<String> {
    let files: Vec<std::path::PathBuf> = if args.files.is_empty() {
        let all = approval_files(Path::new("data/pabulib"))
            .context("run from the repository root, or name the files")?;
        let take = if args.all { all.len() } else { 4 };
        all.into_iter().take(take).map(|(p, _)| p).collect()
    } else {
        args.files.clone()
    };
    let mut rows = Vec::new();
    for (i, path) in files.iter().enumerate() {
        progress(&format!(
            "[{}/{}] sportello: {}",
            i + 1,
            files.len(),
            path.display()
        ));
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        let (ours_ms, ours_mes_ms, election, g, m) = time_ours(&text)?;
        rows.push(BenchRow {
            file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            voters: election.ballots.len(),
            projects: election.projects.len(),
            ours_ms,
            ours_mes_ms,
            pabutools_ms: None,
            pabutools_mes_ms: None,
            ratio: None,
            greedy_match: None,
            mes_match: None,
            greedy_selected: g
                .sorted_ids(&election)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            mes_selected: m
                .sorted_ids(&election)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        });
    }
    progress(&format!(
        "pabutools ({}) on {} files…",
        args.python,
        files.len()
    ));
    let reference = run_reference(&args.python, &files);
    progress("");
    let mut mismatches = Vec::new();
    match &reference {
        Some(reference) => {
            for (row, theirs) in rows.iter_mut().zip(reference) {
                let ids = |key: &str| -> Vec<String> {
                    theirs
                        .get(key)
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let secs = |key: &str| theirs.get(key).and_then(|v| v.as_f64()).unwrap_or(0.0);
                let total = (secs("parse_s") + secs("greedy_s") + secs("mes_s")) * 1e3;
                row.pabutools_ms = Some(total);
                row.pabutools_mes_ms = Some(secs("mes_s") * 1e3);
                row.ratio = Some(total / row.ours_ms.max(1e-9));
                row.greedy_match = Some(ids("greedy") == row.greedy_selected);
                row.mes_match = Some(ids("mes") == row.mes_selected);
                if row.greedy_match != Some(true) || row.mes_match != Some(true) {
                    mismatches.push(row.file.clone());
                }
            }
        }
        None => {
            if args.require_reference {
                anyhow::bail!(
                    "pabutools could not run with `{}` (pip install pabutools==1.2.3)",
                    args.python
                );
            }
        }
    }
    let mut text = String::from(
        "file                                                    voters  sportello ms  pabutools ms     ratio  greedy  mes\n",
    );
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "same",
        Some(false) => "DIFF",
        None => "-",
    };
    for r in &rows {
        text.push_str(&format!(
            "{:<54} {:>7} {:>13.3} {:>13} {:>9} {:>7} {:>4}\n",
            r.file.chars().take(54).collect::<String>(),
            r.voters,
            r.ours_ms,
            r.pabutools_ms
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
            r.ratio
                .map(|v| format!("{v:.0}x"))
                .unwrap_or_else(|| "-".into()),
            yes_no(r.greedy_match),
            yes_no(r.mes_match),
        ));
    }
    if reference.is_none() {
        text.push_str(
            "pabutools not available: only Sportello's times (pip install pabutools==1.2.3)\n",
        );
    }
    text.push_str(
        &json!({"rows": rows, "all_match": mismatches.is_empty() && reference.is_some()})
            .to_string(),
    );
    if !mismatches.is_empty() {
        anyhow::bail!(
            "{text}\noutcomes differ from pabutools on: {}",
            mismatches.join(", ")
        );
    }
    Ok(text)
}
