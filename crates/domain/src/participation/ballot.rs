//! Whether a ballot is valid under its process's rules. Every number on a ballot comes from
//! outside: each is bounded by the rule before anything is added, and sums are taken in a
//! type that cannot overflow, so no value wraps around to pass a limit.

use super::BallotKind;

/// The rules a ballot is checked against: the process's, with the budget of the district
/// voted in when the budget is split by district.
#[derive(Debug, Clone, Copy)]
pub struct BallotRules {
    pub kind: BallotKind,
    /// The budget the chosen projects must fit in (approval ballots without a count limit).
    pub budget: i64,
    pub min_projects: Option<i64>,
    pub max_projects: Option<i64>,
    /// The points each voter distributes (points ballots).
    pub max_points: Option<i64>,
}

/// A project residents vote on.
#[derive(Debug, Clone, Copy)]
pub struct ProjectOnBallot<'a> {
    pub number: i64,
    pub cost: i64,
    /// The district's code, when the budget is split by district.
    pub district: Option<&'a str>,
}

/// Why a ballot is refused. The web turns each into words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("no project chosen")]
    Empty,
    #[error("no district chosen")]
    NoDistrict,
    #[error("project {0} is not on the ballot")]
    NotOnBallot(i64),
    #[error("project {project} belongs to district {theirs}, not to {chosen}")]
    OtherDistrict {
        project: i64,
        theirs: String,
        chosen: String,
    },
    #[error("project {0} appears twice")]
    Repeated(i64),
    #[error("{given} projects, fewer than {min}")]
    TooFew {
        min: i64,
        given: usize,
        ranking: bool,
    },
    #[error("{given} projects, more than {max}")]
    TooMany {
        max: i64,
        given: usize,
        ranking: bool,
    },
    #[error("a chosen project has no points")]
    PointsMissing,
    #[error("{given} points, more than {max}")]
    TooManyPoints { given: i128, max: i64 },
    #[error("the projects cost {total}, more than the budget of {budget}")]
    OverBudget { total: i128, budget: i64 },
    #[error("the ranks are not 1, 2, 3 … without gaps")]
    RanksNotConsecutive,
}

/// Checks a ballot: `projects` are the numbers in the order given, `points` their points
/// (points ballots only), `district` the district chosen, as (code, name), when the budget
/// is split by district, and `on_ballot` the projects residents vote on with their districts'
/// names looked up by `district_name`.
pub fn check_ballot(
    rules: &BallotRules,
    on_ballot: &[ProjectOnBallot<'_>],
    district_name: impl Fn(&str) -> String,
    district: Option<(&str, &str)>,
    projects: &[i64],
    points: &[i64],
) -> Result<(), BallotError> {
    if projects.is_empty() {
        return Err(BallotError::Empty);
    }
    let mut seen = std::collections::HashSet::new();
    let mut total: i128 = 0;
    for &n in projects {
        let p = on_ballot
            .iter()
            .find(|p| p.number == n)
            .ok_or(BallotError::NotOnBallot(n))?;
        if let Some((code, name)) = district {
            if p.district != Some(code) {
                return Err(BallotError::OtherDistrict {
                    project: n,
                    theirs: p.district.map(&district_name).unwrap_or_default(),
                    chosen: name.to_owned(),
                });
            }
        }
        if !seen.insert(n) {
            return Err(BallotError::Repeated(n));
        }
        // At most one addition per distinct project on the ballot: an i128 cannot overflow.
        total += i128::from(p.cost);
    }
    let given = projects.len();
    let within = |ranking: bool| -> Result<(), BallotError> {
        let count = i64::try_from(given).unwrap_or(i64::MAX);
        match (rules.min_projects, rules.max_projects) {
            (Some(min), _) if count < min => Err(BallotError::TooFew {
                min,
                given,
                ranking,
            }),
            (_, Some(max)) if count > max => Err(BallotError::TooMany {
                max,
                given,
                ranking,
            }),
            _ => Ok(()),
        }
    };
    match rules.kind {
        BallotKind::Cumulative => {
            let max = rules.max_points.unwrap_or(0);
            if points.len() != projects.len() || points.iter().any(|p| *p <= 0) {
                return Err(BallotError::PointsMissing);
            }
            // Each value is widened before it is added: at most `projects.len()` values of at
            // most i64::MAX each cannot overflow an i128, so no value wraps the sum below the
            // limit (every value is at least 1, so none can exceed the limit alone unnoticed).
            let sum: i128 = points.iter().map(|p| i128::from(*p)).sum();
            if sum > i128::from(max) {
                return Err(BallotError::TooManyPoints { given: sum, max });
            }
        }
        BallotKind::Ordinal => within(true)?,
        BallotKind::Approval => {
            if rules.min_projects.is_some() || rules.max_projects.is_some() {
                within(false)?;
            } else if total > i128::from(rules.budget) {
                return Err(BallotError::OverBudget {
                    total,
                    budget: rules.budget,
                });
            }
        }
    }
    Ok(())
}

/// A ranking ballot as posted — (project, rank) pairs — in rank order. The ranks given must
/// be exactly 1, 2, … without gaps or repeats.
pub fn ranked_order(chosen: &[(i64, i64)]) -> Result<Vec<i64>, BallotError> {
    let mut ranks: Vec<(i64, i64)> = chosen.iter().map(|(n, r)| (*r, *n)).collect();
    ranks.sort_unstable();
    let consecutive = ranks
        .iter()
        .zip(1_i64..)
        .all(|((rank, _), expected)| *rank == expected);
    if !consecutive {
        return Err(BallotError::RanksNotConsecutive);
    }
    Ok(ranks.into_iter().map(|(_, n)| n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn projects() -> Vec<ProjectOnBallot<'static>> {
        vec![
            ProjectOnBallot {
                number: 1,
                cost: 100,
                district: None,
            },
            ProjectOnBallot {
                number: 2,
                cost: 250,
                district: None,
            },
            ProjectOnBallot {
                number: 3,
                cost: 50,
                district: None,
            },
        ]
    }

    fn rules(kind: BallotKind) -> BallotRules {
        BallotRules {
            kind,
            budget: 300,
            min_projects: None,
            max_projects: None,
            max_points: Some(10),
        }
    }

    fn check(r: &BallotRules, chosen: &[i64], points: &[i64]) -> Result<(), BallotError> {
        check_ballot(r, &projects(), |c| c.to_owned(), None, chosen, points)
    }

    #[test]
    fn approval_within_the_budget() {
        let r = rules(BallotKind::Approval);
        assert_eq!(check(&r, &[1, 3], &[]), Ok(()));
        assert_eq!(
            check(&r, &[1, 2], &[]),
            Err(BallotError::OverBudget {
                total: 350,
                budget: 300
            })
        );
        assert_eq!(check(&r, &[], &[]), Err(BallotError::Empty));
        assert_eq!(check(&r, &[1, 1], &[]), Err(BallotError::Repeated(1)));
        assert_eq!(check(&r, &[9], &[]), Err(BallotError::NotOnBallot(9)));
    }

    #[test]
    fn a_huge_point_value_cannot_wrap_around_the_limit() {
        let r = rules(BallotKind::Cumulative);
        assert_eq!(check(&r, &[1, 2], &[4, 6]), Ok(()));
        // i64::MAX + 2 wraps to a negative sum in release builds if added as i64.
        assert!(matches!(
            check(&r, &[1, 2, 3], &[i64::MAX, 1, 1]),
            Err(BallotError::TooManyPoints { max: 10, .. })
        ));
        assert!(matches!(
            check(&r, &[1, 2], &[i64::MAX, i64::MAX]),
            Err(BallotError::TooManyPoints { .. })
        ));
        assert_eq!(check(&r, &[1, 2], &[4, 0]), Err(BallotError::PointsMissing));
        assert_eq!(check(&r, &[1, 2], &[4]), Err(BallotError::PointsMissing));
    }

    #[test]
    fn counts_of_projects() {
        let mut r = rules(BallotKind::Ordinal);
        r.min_projects = Some(2);
        r.max_projects = Some(2);
        assert_eq!(check(&r, &[1, 2], &[]), Ok(()));
        assert_eq!(
            check(&r, &[1], &[]),
            Err(BallotError::TooFew {
                min: 2,
                given: 1,
                ranking: true
            })
        );
        assert_eq!(
            check(&r, &[1, 2, 3], &[]),
            Err(BallotError::TooMany {
                max: 2,
                given: 3,
                ranking: true
            })
        );
    }

    #[test]
    fn districts_keep_to_their_projects() {
        let on = [
            ProjectOnBallot {
                number: 1,
                cost: 10,
                district: Some("nord"),
            },
            ProjectOnBallot {
                number: 2,
                cost: 10,
                district: Some("sud"),
            },
        ];
        let r = rules(BallotKind::Approval);
        let name = |c: &str| format!("Quartiere {c}");
        assert_eq!(
            check_ballot(&r, &on, name, Some(("nord", "Nord")), &[1], &[]),
            Ok(())
        );
        assert_eq!(
            check_ballot(&r, &on, name, Some(("nord", "Nord")), &[2], &[]),
            Err(BallotError::OtherDistrict {
                project: 2,
                theirs: "Quartiere sud".into(),
                chosen: "Nord".into()
            })
        );
    }

    #[test]
    fn ranks_must_be_consecutive() {
        assert_eq!(ranked_order(&[(7, 2), (5, 1)]), Ok(vec![5, 7]));
        assert_eq!(
            ranked_order(&[(7, 3), (5, 1)]),
            Err(BallotError::RanksNotConsecutive)
        );
        assert_eq!(
            ranked_order(&[(7, 1), (5, 1)]),
            Err(BallotError::RanksNotConsecutive)
        );
    }

    proptest! {
        /// Whatever numbers are posted, a points ballot that passes gives at most the points
        /// allowed, each at least one.
        #[test]
        fn an_accepted_points_ballot_respects_the_limit(
            points in proptest::collection::vec(any::<i64>(), 1..4),
        ) {
            let r = rules(BallotKind::Cumulative);
            let chosen: Vec<i64> = (1..=points.len() as i64).collect();
            if check(&r, &chosen, &points).is_ok() {
                prop_assert!(points.iter().all(|p| *p >= 1));
                prop_assert!(points.iter().map(|p| i128::from(*p)).sum::<i128>() <= 10);
            }
        }
    }
}
