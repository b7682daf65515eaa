//! `sportello pb import`: a historical process from a pabulib file.

use super::*;

impl App {
    /// Creates a historical process from a pabulib file: its projects (all feasible) and its
    /// ballots in one closed vote, sealed at once. Nothing is imported if anything is wrong.
    pub async fn import_pb(
        &self,
        ente: &EnteRow,
        slug: &str,
        election: &Election,
    ) -> Result<(usize, usize), AppError> {
        if election.scale != 0 {
            return Err(invalid("Il file ha importi con decimali: Sportello gestisce budget e costi in euro interi."));
        }
        let kind = match election.vote_type {
            VoteType::Approval | VoteType::ChooseOne => "approval",
            VoteType::Cumulative => "cumulative",
            VoteType::Ordinal => "ordinal",
            VoteType::Scoring => {
                return Err(invalid(
                    "Le schede a punteggio («scoring») non sono gestite dal portale.",
                ))
            }
        };
        let budget =
            i64::try_from(election.budget).map_err(|_| invalid("Budget troppo grande."))?;
        // Everything is checked before the first write.
        if election
            .projects
            .iter()
            .any(|p| i64::try_from(p.cost).is_err())
        {
            return Err(invalid("Costo troppo grande."));
        }
        let tenant = self.store.tenant(EnteId(ente.id));
        if tenant.pb_process(slug).await?.is_some() {
            return Err(invalid(
                "Esiste già un bilancio partecipativo con questo indirizzo breve.",
            ));
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
        let day = today(self).to_string();
        let opens = date("date_begin")
            .filter(|d| valid_date(d))
            .unwrap_or_else(|| day.clone());
        let closes = date("date_end")
            .filter(|d| valid_date(d) && *d >= opens)
            .unwrap_or_else(|| opens.clone());
        let rule = match election.meta("rule") {
            Some(r) if r.starts_with("equalshares") => "mes",
            _ => "greedy",
        };
        let title = election.meta("description").unwrap_or(slug).to_owned();
        let row = PbProcessRow {
            id: random_token(12),
            slug: slug.to_owned(),
            title: title.clone(),
            description: format!("Importato da un file pabulib: {title}"),
            budget,
            ballot_kind: kind.to_owned(),
            min_projects: election.meta_u64("min_length").map(|v| v as i64),
            max_projects: election.meta_u64("max_length").map(|v| v as i64),
            max_points: election.meta_u64("max_sum_points").map(|v| v as i64),
            rule: rule.to_owned(),
            eligibility: "any".into(),
            min_age: 0,
            salt: random_token(16),
            historical: 1,
            created_at: to_millis(self.now()),
        };
        let phases = vec![
            PbPhaseRow {
                kind: "vote1".into(),
                opens_on: opens.clone(),
                closes_on: closes.clone(),
            },
            PbPhaseRow {
                kind: "results".into(),
                opens_on: closes.clone(),
                closes_on: closes,
            },
        ];
        tenant.insert_pb_process(&row, &phases, &[]).await?;
        let mut numbers = Vec::new();
        for (i, p) in election.projects.iter().enumerate() {
            let cost = i64::try_from(p.cost).map_err(|_| invalid("Costo troppo grande."))?;
            let name = election
                .project_field(i, "name")
                .filter(|n| !n.is_empty())
                .unwrap_or(&p.id)
                .to_owned();
            let project = PbProjectRow {
                id: random_token(12),
                number: 0,
                title: name,
                description: format!("Progetto {} del file importato.", p.id),
                estimated_cost: cost,
                cost: Some(cost),
                status: "feasible".into(),
                review_reason: None,
                proposer_hash: None,
                created_at: row.created_at,
                district: None,
                execution: None,
                execution_note: None,
            };
            numbers.push(tenant.insert_pb_project(&row.id, &project).await?);
        }
        for b in &election.ballots {
            let vote: Vec<String> = b
                .projects
                .iter()
                .filter_map(|&i| numbers.get(i))
                .map(i64::to_string)
                .collect();
            let points: Vec<String> = b.points.iter().map(i64::to_string).collect();
            let key = random_token(16);
            tenant
                .cast_pb_ballot(NewPbBallot {
                    process: &row.id,
                    phase: "vote1",
                    person_hash: &format!("imported-{key}"),
                    ballot_key: &key,
                    vote: &vote.join(","),
                    points: &points.join(","),
                    district: "",
                    assisted: false,
                })
                .await?;
        }
        tenant
            .seal_pb_vote(&row.id, "vote1", || random_token(16))
            .await?;
        Ok((election.projects.len(), election.ballots.len()))
    }
}
