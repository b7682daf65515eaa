//! `sportello pb import`: a historical process from a pabulib file.

use super::*;
use crate::capabilities::Participation;

impl Participation<'_> {
    /// Creates a historical process from a pabulib file: its projects (all feasible) and its
    /// ballots in one closed vote, sealed at once. Nothing is imported if anything is wrong.
    pub async fn import_pb(
        &self,
        ente: &EnteRow,
        slug: &str,
        election: &Election,
    ) -> Result<(usize, usize), AppError> {
        if election.scale != 0 {
            return Err(AppError::from(ParticipationError::DecimalAmounts));
        }
        let kind = match election.vote_type {
            VoteType::Approval | VoteType::ChooseOne => BallotKind::Approval,
            VoteType::Cumulative => BallotKind::Cumulative,
            VoteType::Ordinal => BallotKind::Ordinal,
            VoteType::Scoring => {
                return Err(AppError::from(ParticipationError::ScoringUnsupported))
            }
        };
        let budget = i64::try_from(election.budget)
            .map_err(|_| AppError::from(ParticipationError::BudgetTooLarge))?;
        // Everything is checked before the first write.
        if election
            .projects
            .iter()
            .any(|p| i64::try_from(p.cost).is_err())
        {
            return Err(AppError::from(ParticipationError::CostTooLarge));
        }
        let tenant = self.app.store.tenant(ente.ente_id());
        if tenant.pb_process(slug).await?.is_some() {
            return Err(AppError::from(ParticipationError::SlugTaken));
        }
        let date = |k: &str| {
            election.meta(k).and_then(|d| {
                let parts: Vec<&str> = d.split('.').collect();
                match parts.as_slice() {
                    [dd, mm, yyyy] => Some(format!("{yyyy}-{mm}-{dd}")),
                    _ => None,
                }
            })
        };
        let day = today(self.app).to_string();
        let opens = date("date_begin")
            .filter(|d| valid_date(d))
            .unwrap_or_else(|| day.clone());
        let closes = date("date_end")
            .filter(|d| valid_date(d) && *d >= opens)
            .unwrap_or_else(|| opens.clone());
        let rule = match election.meta("rule") {
            Some(r) if r.starts_with("equalshares") => CountingRule::Mes,
            _ => CountingRule::Greedy,
        };
        // The file's limits are numbers from outside: each must fit, never wrap.
        let limit = |name: &str| -> Result<Option<i64>, AppError> {
            election
                .meta_u64(name)
                .map(|v| {
                    i64::try_from(v).map_err(|_| AppError::from(ParticipationError::LimitTooLarge))
                })
                .transpose()
        };
        let title = election.meta("description").unwrap_or(slug).to_owned();
        let row = PbProcessRow {
            id: random_token(12),
            slug: slug.to_owned(),
            title: title.clone(),
            description: format!("Importato da un file pabulib: {title}"),
            budget,
            ballot_kind: kind,
            min_projects: limit("min_length")?,
            max_projects: limit("max_length")?,
            max_points: limit("max_sum_points")?,
            rule,
            eligibility: Eligibility::Anyone,
            min_age: 0,
            salt: random_token(16),
            historical: true,
            created_at: to_millis(self.app.now()),
        };
        let phases = vec![
            PbPhaseRow {
                kind: Phase::Vote1,
                opens_on: opens.clone(),
                closes_on: closes.clone(),
            },
            PbPhaseRow {
                kind: Phase::Results,
                opens_on: closes.clone(),
                closes_on: closes,
            },
        ];
        let mut projects = Vec::with_capacity(election.projects.len());
        for (i, p) in election.projects.iter().enumerate() {
            let cost = i64::try_from(p.cost)
                .map_err(|_| AppError::from(ParticipationError::CostTooLarge))?;
            let name = election
                .project_field(i, "name")
                .filter(|n| !n.is_empty())
                .unwrap_or(&p.id)
                .to_owned();
            projects.push(PbProjectRow {
                id: random_token(12),
                number: 0,
                title: name,
                description: format!("Progetto {} del file importato.", p.id),
                estimated_cost: cost,
                cost: Some(cost),
                status: ProjectStatus::Feasible,
                review_reason: None,
                proposer_hash: None,
                created_at: row.created_at,
                district: None,
                execution: None,
                execution_note: None,
            });
        }
        // The projects are numbered 1, 2, … in the file's order (a fresh process), so each
        // ballot's project indexes become numbers before anything is written.
        let ballots: Vec<(String, String)> = election
            .ballots
            .iter()
            .map(|b| {
                let vote: Vec<String> = b.projects.iter().map(|&i| (i + 1).to_string()).collect();
                let points: Vec<String> = b.points.iter().map(i64::to_string).collect();
                (vote.join(","), points.join(","))
            })
            .collect();
        let numbers = tenant
            .import_pb_process(&row, &phases, &projects, Phase::Vote1, &ballots, || {
                random_token(16)
            })
            .await?;
        debug_assert!(numbers.iter().copied().eq(1..=numbers.len() as i64));
        Ok((election.projects.len(), election.ballots.len()))
    }
}
