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
