//! Participatory budgeting's rules in the portal: the phases of a process, the kinds of ballot
//! and counting rule, who may take part, the states of a project, and whether a ballot is
//! valid. Pure: the app loads the process, asks these functions, and stores the answer. The
//! counting itself is the reusable `sportello-pb` crate.

mod ballot;
mod process;

pub use ballot::{check_ballot, ranked_order, BallotError, BallotRules, ProjectOnBallot};
pub use process::{
    check_districts, check_phases, check_settings, District, ParticipationError, ProcessSettings,
};

crate::stored_enum! {
    /// The phases a process may have, in their natural order.
    pub enum Phase {
        Proposals = "proposals",
        Review = "review",
        Vote1 = "vote1",
        Debate = "debate",
        Vote2 = "vote2",
        Results = "results",
        Tracking = "tracking",
    }
}

impl Phase {
    /// The two votes, first the uninformed one.
    pub const VOTES: [Phase; 2] = [Phase::Vote1, Phase::Vote2];

    pub fn is_vote(self) -> bool {
        matches!(self, Phase::Vote1 | Phase::Vote2)
    }
}

crate::stored_enum! {
    /// The kinds of ballot, as pabulib names them.
    pub enum BallotKind {
        /// Choose projects, within the budget or between a minimum and a maximum number.
        Approval = "approval",
        /// Distribute points among projects.
        Cumulative = "cumulative",
        /// Rank the preferred projects.
        Ordinal = "ordinal",
    }
}

crate::stored_enum! {
    /// The rule that decides the official outcome.
    pub enum CountingRule {
        Greedy = "greedy",
        /// The Method of Equal Shares.
        Mes = "mes",
    }
}

crate::stored_enum! {
    /// Who may take part.
    pub enum Eligibility {
        /// Anyone who signs in with SPID or CIE (and is old enough).
        Anyone = "any",
        /// Only the people on the list the ente uploaded.
        List = "list",
    }
}

crate::stored_enum! {
    /// Where a proposal stands after the office's feasibility review.
    pub enum ProjectStatus {
        /// Proposed, not yet reviewed.
        Proposed = "proposed",
        /// Passed the review (or came with an imported election): it is voted on.
        Feasible = "feasible",
        Unfeasible = "unfeasible",
    }
}

impl ProjectStatus {
    /// Whether residents vote on, and debate, the project.
    pub fn is_on_ballot(self) -> bool {
        self == ProjectStatus::Feasible
    }
}

crate::stored_enum! {
    /// How a chosen project is being carried out.
    pub enum Execution {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_stored_ones() {
        // These codes are in databases and in exported files: changing one is a migration.
        let phases: Vec<&str> = Phase::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(
            phases,
            [
                "proposals",
                "review",
                "vote1",
                "debate",
                "vote2",
                "results",
                "tracking"
            ]
        );
        assert_eq!(Eligibility::Anyone.code(), "any");
        assert_eq!(Execution::InProgress.code(), "in_progress");
        assert!(ProjectStatus::Feasible.is_on_ballot());
        assert!(!ProjectStatus::Proposed.is_on_ballot());
        assert!(Phase::Vote2.is_vote() && !Phase::Debate.is_vote());
    }
}
