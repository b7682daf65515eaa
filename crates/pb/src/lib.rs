//! Participatory budgeting, with no dependency on the rest of Sportello.
//!
//! - [`format`]: reading and writing the pabulib `.pb` format.
//! - [`greedy`]: the greedy rules cities use (`greedy`, `greedy-no-skip`, `greedy-threshold`).
//! - [`mes`]: the Method of Equal Shares with the "add1" completion.
//! - [`rational`]: the exact numbers the rules compute with.
//!
//! Outcomes are identical to those of the reference library pabutools (1.2.3) with its default
//! tie-breaking, by project id in lexicographic order: the rules use exact rational arithmetic, so
//! no rounding can flip a comparison.

pub mod format;
pub mod greedy;
pub mod mes;
pub mod rational;
mod reader;

pub use format::{Ballot, Election, ParseError, Project, Row, VoteType};
pub use greedy::{greedy, Greedy};
pub use mes::{equal_shares, Completion, MesError, MesOptions, Utility};

/// The projects a rule funds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Indexes into [`Election::projects`], in the order the rule chose them.
    pub selected: Vec<usize>,
    /// Their total cost, scaled like the election's amounts.
    pub spent: i128,
}

impl Outcome {
    /// The outcome funding `selected`.
    pub fn new(election: &Election, selected: Vec<usize>) -> Outcome {
        let spent = selected
            .iter()
            .map(|&p| election.projects.get(p).map(|x| x.cost).unwrap_or(0))
            .sum();
        Outcome { selected, spent }
    }

    /// The project ids funded, in the order chosen.
    pub fn ids<'a>(&self, election: &'a Election) -> Vec<&'a str> {
        self.selected
            .iter()
            .filter_map(|&p| election.projects.get(p))
            .map(|p| p.id.as_str())
            .collect()
    }

    /// The project ids funded, sorted, for comparing outcomes as sets.
    pub fn sorted_ids<'a>(&self, election: &'a Election) -> Vec<&'a str> {
        let mut ids = self.ids(election);
        ids.sort_unstable();
        ids
    }

    /// Adds, by approval count (ties by id), every supported project that still fits.
    pub fn completed_greedily(mut self, election: &Election) -> Outcome {
        let support = greedy::support(election);
        for p in greedy::order_by_support(election, &support) {
            let cost = election.projects.get(p).map(|x| x.cost).unwrap_or(0);
            if support.get(p).copied().unwrap_or(0) <= 0 {
                break;
            }
            if !self.selected.contains(&p) && self.spent + cost <= election.budget {
                self.selected.push(p);
                self.spent += cost;
            }
        }
        self
    }
}
