//! Greedy rules: fund projects in order of support while the money lasts.

use crate::format::{Election, VoteType};
use crate::rational::Q;
use crate::Outcome;

/// The greedy variants of pabulib's `rule` META key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Greedy {
    /// `greedy`: a project that does not fit in what is left is skipped, and the next is tried.
    Skip,
    /// `greedy-no-skip`: the first project that does not fit ends the count.
    NoSkip,
    /// `greedy-threshold`: like `greedy`, but only projects whose support reaches the threshold
    /// (META `min_project_score_threshold`) can be funded.
    Threshold(Q),
}

impl Greedy {
    /// The variant named by a rule, with the threshold read from the election for
    /// `greedy-threshold` (zero when the META key is absent).
    pub fn from_rule(rule: &str, election: &Election) -> Option<Greedy> {
        Some(match rule {
            "greedy" => Greedy::Skip,
            "greedy-no-skip" => Greedy::NoSkip,
            "greedy-threshold" => Greedy::Threshold(
                election
                    .meta_number("min_project_score_threshold")
                    .unwrap_or(Q::ZERO),
            ),
            _ => return None,
        })
    }
}

/// Each project's support: the number of ballots approving it (approval and choose-1), the sum
/// of its points (cumulative and scoring), or its Borda score (ordinal: a ranking of length `k`,
/// or of `max_length` when META sets it, gives `k` points to the first project, `k-1` to the
/// second, and so on; a `points` column, when present, is used instead).
pub fn support(election: &Election) -> Vec<i128> {
    let mut score = vec![0i128; election.projects.len()];
    let max_length = election.meta_u64("max_length").map(i128::from);
    for ballot in &election.ballots {
        let from_points = !ballot.points.is_empty();
        let k = max_length.unwrap_or(ballot.projects.len() as i128);
        for (pos, &p) in ballot.projects.iter().enumerate() {
            let add = if from_points {
                i128::from(ballot.points.get(pos).copied().unwrap_or(0))
            } else {
                match election.vote_type {
                    VoteType::Ordinal => (k - pos as i128).max(0),
                    _ => 1,
                }
            };
            if let Some(s) = score.get_mut(p) {
                *s += add;
            }
        }
    }
    score
}

/// The projects in greedy order: most support first, ties broken by project id in lexicographic
/// order (as pabutools' default tie-breaking does).
pub fn order_by_support(election: &Election, support: &[i128]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..election.projects.len()).collect();
    let id = |p: usize| {
        election
            .projects
            .get(p)
            .map(|x| x.id.as_str())
            .unwrap_or("")
    };
    let s = |p: usize| support.get(p).copied().unwrap_or(0);
    order.sort_by(|&a, &b| s(b).cmp(&s(a)).then_with(|| id(a).cmp(id(b))));
    order
}

/// Runs a greedy rule. Projects nobody supported are never funded.
pub fn greedy(election: &Election, rule: &Greedy) -> Outcome {
    let support = support(election);
    let mut left = election.budget;
    let mut selected = Vec::new();
    for p in order_by_support(election, &support) {
        let s = support.get(p).copied().unwrap_or(0);
        let cost = election.projects.get(p).map(|x| x.cost).unwrap_or(0);
        if s <= 0 {
            break;
        }
        if let Greedy::Threshold(t) = rule {
            if Q::int(s) < *t {
                break;
            }
        }
        if cost <= left {
            left -= cost;
            selected.push(p);
        } else if *rule == Greedy::NoSkip {
            break;
        }
    }
    Outcome::new(election, selected)
}
