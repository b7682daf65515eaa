//! A process's own rules — its phases, districts and settings — and every refusal of
//! participatory budgeting by kind ([`ParticipationError`]): the web says each in the person's
//! language.

use super::{BallotKind, CountingRule, Eligibility, Phase};

/// Why participatory budgeting refused something. No sentence here: the web turns each kind
/// into words. `is_input` tells a fault in what was typed from an action not allowed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParticipationError {
    // Starting a process.
    #[error("slug invalid")]
    SlugInvalid,
    #[error("slug taken")]
    SlugTaken,
    #[error("title missing")]
    TitleMissing,
    #[error("budget not above zero")]
    BudgetNotPositive,
    #[error("ballot kind missing")]
    BallotKindMissing,
    #[error("points per voter missing")]
    PointsRequired,
    #[error("project count range invalid")]
    ProjectCountRange,
    #[error("counting rule missing")]
    RuleMissing,
    #[error("eligibility missing")]
    EligibilityMissing,
    #[error("minimum age out of range")]
    MinAgeRange,
    #[error("no phase")]
    NoPhase,
    #[error("unknown phase")]
    UnknownPhase,
    #[error("dates of phase {0} invalid")]
    PhaseDates(Phase),
    #[error("no vote among the phases")]
    NoVote,
    #[error("fewer than {min} voters: counts and ballots are not published")]
    TooFewVoters { min: usize },
    #[error("phase {later} opens before phase {earlier} closes")]
    PhaseOrder { earlier: Phase, later: Phase },
    #[error("district {code} invalid")]
    DistrictInvalid { code: String },
    #[error("district {code} repeated")]
    DistrictRepeated { code: String },
    #[error("district budgets sum {total}, not {budget}")]
    DistrictBudgetsSum { total: i128, budget: i64 },
    #[error("an imported process keeps its dates")]
    ImportedDatesFixed,
    // Proposals and the review.
    #[error("proposals closed")]
    ProposalsClosed,
    #[error("proposal title missing or too long")]
    ProposalTitle,
    #[error("proposal description missing")]
    ProposalDescriptionMissing,
    #[error("estimated cost missing")]
    EstimatedCostMissing,
    #[error("estimated cost over {limit}")]
    EstimatedCostOverBudget { limit: i64 },
    #[error("proposal district missing")]
    ProposalDistrictMissing,
    #[error("more than three images")]
    TooManyImages,
    #[error("image over 5 MB")]
    ImageTooLarge,
    #[error("image unreadable")]
    ImageUnreadable,
    #[error("image description missing or too long")]
    ImageAltMissing,
    #[error("projects are fixed during a vote")]
    ProjectsFrozenDuringVote,
    #[error("reason for unfeasibility missing")]
    UnfeasibleReasonMissing,
    #[error("revised cost out of 1..={max}")]
    RevisedCostOutOfRange { max: i64 },
    #[error("execution missing")]
    ExecutionMissing,
    #[error("execution note too long")]
    ExecutionNoteTooLong,
    #[error("execution before the results")]
    ExecutionBeforeResults,
    // Who takes part.
    #[error("age unreadable from the codice fiscale")]
    AgeUnreadable {
        eligibility: Eligibility,
        min_age: i64,
    },
    #[error("{age} years old, under {min_age}")]
    TooYoung {
        age: u32,
        eligibility: Eligibility,
        min_age: i64,
    },
    #[error("not on the list")]
    NotOnList {
        eligibility: Eligibility,
        min_age: i64,
    },
    #[error("line {line}: not a codice fiscale")]
    EligibleListLine { line: usize, value: String },
    // Votes and results.
    #[error("no vote open today")]
    NoOpenVote,
    #[error("the vote is closed")]
    VoteClosed,
    #[error("results not yet published")]
    ResultsNotYet,
    // The debate.
    #[error("debate closed")]
    DebateClosed,
    #[error("only projects on the ballot are debated")]
    DebateOnlyOnBallot,
    #[error("comment missing or too long")]
    CommentInvalid,
    #[error("reply to a comment not shown here")]
    ReplyTarget,
    #[error("facilitator's organisation missing")]
    FacilitatorOrganisationMissing,
    #[error("{value} is not a codice fiscale")]
    FacilitatorCodeInvalid { value: String },
    // Importing a pabulib file.
    #[error("amounts with decimals")]
    DecimalAmounts,
    #[error("scoring ballots unsupported")]
    ScoringUnsupported,
    #[error("budget too large")]
    BudgetTooLarge,
    #[error("cost too large")]
    CostTooLarge,
    #[error("a ballot limit too large")]
    LimitTooLarge,
}

impl ParticipationError {
    /// Whether the fault is in what was typed (the page is shown again with it), not in the
    /// moment.
    pub fn is_input(&self) -> bool {
        use ParticipationError as E;
        !matches!(
            self,
            E::ImportedDatesFixed
                | E::ProposalsClosed
                | E::ProjectsFrozenDuringVote
                | E::ExecutionBeforeResults
                | E::AgeUnreadable { .. }
                | E::TooYoung { .. }
                | E::NotOnList { .. }
                | E::NoOpenVote
                | E::VoteClosed
                | E::ResultsNotYet
                | E::DebateClosed
                | E::DebateOnlyOnBallot
        )
    }
}

/// A district as the office defines it: a short code, a name, its share of the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub code: String,
    pub name: String,
    pub budget: i64,
}

/// The settings of a new process, as typed.
#[derive(Debug, Clone, Default)]
pub struct ProcessSettings<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub budget: i64,
    pub ballot_kind: &'a str,
    pub min_projects: Option<i64>,
    pub max_projects: Option<i64>,
    pub max_points: Option<i64>,
    pub rule: &'a str,
    pub eligibility: &'a str,
    pub min_age: i64,
}

/// Checks a new process's settings; the kinds they name.
pub fn check_settings(
    p: &ProcessSettings<'_>,
) -> Result<(BallotKind, CountingRule, Eligibility), ParticipationError> {
    use ParticipationError as E;
    let slug_ok = !p.slug.is_empty()
        && p.slug.len() <= 60
        && p.slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        return Err(E::SlugInvalid);
    }
    if p.title.trim().is_empty() {
        return Err(E::TitleMissing);
    }
    if p.budget <= 0 {
        return Err(E::BudgetNotPositive);
    }
    let kind = BallotKind::parse(p.ballot_kind).map_err(|_| E::BallotKindMissing)?;
    if kind == BallotKind::Cumulative && p.max_points.unwrap_or(0) <= 0 {
        return Err(E::PointsRequired);
    }
    if let (Some(a), Some(b)) = (p.min_projects, p.max_projects) {
        if a < 1 || b < a {
            return Err(E::ProjectCountRange);
        }
    }
    let rule = CountingRule::parse(p.rule).map_err(|_| E::RuleMissing)?;
    let eligibility = Eligibility::parse(p.eligibility).map_err(|_| E::EligibilityMissing)?;
    if !(0..=120).contains(&p.min_age) {
        return Err(E::MinAgeRange);
    }
    Ok((kind, rule, eligibility))
}

/// Checks the phases' dates: known phases, valid dates (`YYYY-MM-DD`), none closing before it
/// opens, at least one vote.
pub fn check_phases(
    given: &[(String, String, String)],
) -> Result<Vec<(Phase, String, String)>, ParticipationError> {
    use ParticipationError as E;
    if given.is_empty() {
        return Err(E::NoPhase);
    }
    let valid_date = |s: &str| {
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
    };
    let mut phases = Vec::with_capacity(given.len());
    for (kind, opens, closes) in given {
        let kind = Phase::parse(kind).map_err(|_| E::UnknownPhase)?;
        if !valid_date(opens) || !valid_date(closes) || closes < opens {
            return Err(E::PhaseDates(kind));
        }
        phases.push((kind, opens.clone(), closes.clone()));
    }
    if !phases.iter().any(|(kind, _, _)| kind.is_vote()) {
        return Err(E::NoVote);
    }
    // The phases follow one another in their order: each opens no earlier than the one before
    // closes (the same day is allowed, for a short process). ISO dates compare as text.
    let mut ordered = phases.clone();
    ordered.sort_by_key(|(kind, _, _)| Phase::ALL.iter().position(|k| k == kind));
    for pair in ordered.windows(2) {
        if let [(earlier, _, closes), (later, opens, _)] = pair {
            if opens < closes {
                return Err(E::PhaseOrder {
                    earlier: *earlier,
                    later: *later,
                });
            }
        }
    }
    Ok(phases)
}

/// Checks the districts: distinct short codes, names, budgets above zero adding up to the
/// whole budget (summed in a type that cannot overflow).
pub fn check_districts(
    given: &[(String, String, i64)],
    budget: i64,
) -> Result<Vec<District>, ParticipationError> {
    use ParticipationError as E;
    let mut out: Vec<District> = Vec::with_capacity(given.len());
    for (code, name, b) in given {
        let code_ok = !code.is_empty()
            && code.len() <= 30
            && code
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
        if !code_ok || name.trim().is_empty() || *b <= 0 {
            return Err(E::DistrictInvalid { code: code.clone() });
        }
        if out.iter().any(|d| d.code == *code) {
            return Err(E::DistrictRepeated { code: code.clone() });
        }
        out.push(District {
            code: code.clone(),
            name: name.trim().to_owned(),
            budget: *b,
        });
    }
    let total: i128 = out.iter().map(|d| i128::from(d.budget)).sum();
    if !out.is_empty() && total != i128::from(budget) {
        return Err(E::DistrictBudgetsSum { total, budget });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ProcessSettings<'static> {
        ProcessSettings {
            slug: "bp-2027",
            title: "Bilancio 2027",
            budget: 100_000,
            ballot_kind: "approval",
            rule: "mes",
            eligibility: "any",
            min_age: 16,
            ..ProcessSettings::default()
        }
    }

    #[test]
    fn settings_are_checked_and_named() {
        assert_eq!(
            check_settings(&settings()),
            Ok((BallotKind::Approval, CountingRule::Mes, Eligibility::Anyone))
        );
        let mut s = settings();
        s.slug = "BP 2027";
        assert_eq!(check_settings(&s), Err(ParticipationError::SlugInvalid));
        let mut s = settings();
        s.ballot_kind = "cumulative";
        assert_eq!(check_settings(&s), Err(ParticipationError::PointsRequired));
        let mut s = settings();
        s.min_projects = Some(3);
        s.max_projects = Some(2);
        assert_eq!(
            check_settings(&s),
            Err(ParticipationError::ProjectCountRange)
        );
        let mut s = settings();
        s.rule = "borda";
        assert_eq!(check_settings(&s), Err(ParticipationError::RuleMissing));
    }

    #[test]
    fn phases_need_valid_dates_and_a_vote() {
        let p = |k: &str, a: &str, b: &str| (k.to_owned(), a.to_owned(), b.to_owned());
        assert!(check_phases(&[p("vote1", "2027-01-01", "2027-01-31")]).is_ok());
        assert_eq!(
            check_phases(&[p("proposals", "2027-01-01", "2027-01-31")]),
            Err(ParticipationError::NoVote)
        );
        assert_eq!(
            check_phases(&[p("vote2", "2027-02-01", "2027-01-31")]),
            Err(ParticipationError::PhaseDates(Phase::Vote2))
        );
        // A vote that opens before the proposals close is out of order.
        assert_eq!(
            check_phases(&[
                ("proposals".into(), "2026-03-01".into(), "2026-03-10".into()),
                ("vote1".into(), "2026-03-05".into(), "2026-03-20".into()),
            ]),
            Err(ParticipationError::PhaseOrder {
                earlier: Phase::Proposals,
                later: Phase::Vote1
            })
        );
        // Given in any order, checked in the phases' order; the same day is allowed.
        assert!(check_phases(&[
            ("vote1".into(), "2026-03-10".into(), "2026-03-20".into()),
            ("proposals".into(), "2026-03-01".into(), "2026-03-10".into()),
        ])
        .is_ok());
        assert_eq!(
            check_phases(&[p("vote3", "2027-01-01", "2027-01-31")]),
            Err(ParticipationError::UnknownPhase)
        );
        assert_eq!(check_phases(&[]), Err(ParticipationError::NoPhase));
    }

    #[test]
    fn district_budgets_add_up_without_overflow() {
        let d = |c: &str, b: i64| (c.to_owned(), format!("Quartiere {c}"), b);
        assert_eq!(
            check_districts(&[d("nord", 60), d("sud", 40)], 100).map(|v| v.len()),
            Ok(2)
        );
        assert_eq!(
            check_districts(&[d("nord", i64::MAX), d("sud", i64::MAX)], 100),
            Err(ParticipationError::DistrictBudgetsSum {
                total: 2 * i128::from(i64::MAX),
                budget: 100
            })
        );
        assert_eq!(
            check_districts(&[d("nord", 50), d("nord", 50)], 100),
            Err(ParticipationError::DistrictRepeated {
                code: "nord".into()
            })
        );
    }
}
