//! Ballots: their rules, casting and replacing, and the count of each vote with both rules.

use crate::capabilities::Participation;
use sportello_domain::participation::{check_ballot, BallotRules, ProjectOnBallot};

use super::*;

impl App {
    /// A vote as a pabulib election: project ids are the project numbers, voters are numbered
    /// 1…n in the (random) order of the sealed ballots; nothing else about them is kept.
    fn pb_election(
        &self,
        process: &PbProcess,
        phase: Phase,
        district: Option<&PbDistrictRow>,
        rows: &[sportello_store::PbBallotRow],
    ) -> Election {
        let r = &process.row;
        let vote_type = match r.ballot_kind {
            BallotKind::Cumulative => VoteType::Cumulative,
            BallotKind::Ordinal => VoteType::Ordinal,
            BallotKind::Approval => VoteType::Approval,
        };
        let projects: Vec<&PbProjectRow> = process
            .feasible()
            .filter(|p| district.is_none_or(|d| p.district.as_deref() == Some(d.code.as_str())))
            .collect();
        let budget = district.map(|d| d.budget).unwrap_or(r.budget);
        let title = match district {
            Some(d) => format!("{} — {} — {}", r.title, d.name, phase_name(phase)),
            None => format!("{} — {}", r.title, phase_name(phase)),
        };
        let index = |n: &str| projects.iter().position(|p| p.number.to_string() == n);
        let mut votes = vec![0i64; projects.len()];
        let mut ballots = Vec::new();
        for (i, b) in rows.iter().enumerate() {
            let chosen: Vec<usize> = b.vote.split(',').filter_map(index).collect();
            for &c in &chosen {
                if let Some(v) = votes.get_mut(c) {
                    *v += 1;
                }
            }
            let points: Vec<i64> = b.points.split(',').filter_map(|p| p.parse().ok()).collect();
            let mut fields = vec![(i + 1).to_string(), b.vote.clone()];
            if vote_type == VoteType::Cumulative {
                fields.push(b.points.clone());
            }
            ballots.push(Ballot {
                projects: chosen,
                points,
                fields: Row::new(fields),
            });
        }
        let mut meta = vec![
            ("description".to_owned(), title),
            ("country".to_owned(), "Italy".to_owned()),
            ("instance".to_owned(), phase.code().to_owned()),
            ("num_projects".to_owned(), projects.len().to_string()),
            ("num_votes".to_owned(), rows.len().to_string()),
            ("budget".to_owned(), budget.to_string()),
            ("vote_type".to_owned(), vote_type.as_str().to_owned()),
            (
                "rule".to_owned(),
                if r.rule == CountingRule::Mes {
                    "equalshares/add1".to_owned()
                } else {
                    "greedy".to_owned()
                },
            ),
            ("currency".to_owned(), "EUR".to_owned()),
            ("language".to_owned(), "it".to_owned()),
        ];
        if let Some(d) = district {
            meta.push(("district".into(), d.name.clone()));
        }
        if let Some(m) = r.min_projects {
            meta.push(("min_length".into(), m.to_string()));
        }
        if let Some(m) = r.max_projects {
            meta.push(("max_length".into(), m.to_string()));
        }
        if let Some(m) = r.max_points {
            meta.push(("max_sum_points".into(), m.to_string()));
        }
        let mut vote_columns = vec!["voter_id", "vote"];
        if vote_type == VoteType::Cumulative {
            vote_columns.push("points");
        }
        Election {
            meta,
            vote_type,
            budget: i128::from(budget),
            scale: 0,
            project_columns: Row::new(["project_id", "cost", "votes", "name"]),
            projects: projects
                .iter()
                .zip(&votes)
                .map(|(p, v)| {
                    let cost = p.cost.unwrap_or(p.estimated_cost);
                    Project {
                        id: p.number.to_string(),
                        cost: i128::from(cost),
                        fields: Row::new([
                            p.number.to_string(),
                            cost.to_string(),
                            v.to_string(),
                            p.title.clone(),
                        ]),
                    }
                })
                .collect(),
            vote_columns: Row::new(vote_columns),
            ballots,
        }
    }
}

impl Participation<'_> {
    /// Checks a ballot against the process's rules (`sportello_domain::participation`).
    pub fn check_pb_ballot(process: &PbProcess, ballot: &BallotInput) -> Result<(), AppError> {
        let r = &process.row;
        let district = if process.districts.is_empty() {
            None
        } else {
            let d = ballot
                .district
                .as_deref()
                .and_then(|c| process.district(c))
                .ok_or(BallotError::NoDistrict)?;
            Some(d)
        };
        let rules = BallotRules {
            kind: r.ballot_kind,
            budget: district.map(|d| d.budget).unwrap_or(r.budget),
            min_projects: r.min_projects,
            max_projects: r.max_projects,
            max_points: r.max_points,
        };
        let on_ballot: Vec<ProjectOnBallot<'_>> = process
            .feasible()
            .map(|p| ProjectOnBallot {
                number: p.number,
                cost: p.cost.unwrap_or(p.estimated_cost),
                district: p.district.as_deref(),
            })
            .collect();
        let name = |code: &str| {
            process
                .district(code)
                .map(|d| d.name.clone())
                .unwrap_or_default()
        };
        check_ballot(
            &rules,
            &on_ballot,
            name,
            district.map(|d| (d.code.as_str(), d.name.as_str())),
            &ballot.projects,
            &ballot.points,
        )?;
        Ok(())
    }
    /// Casts (or replaces) a ballot in the vote open today. Returns the phase and whether an
    /// earlier ballot was replaced. An assisted identity marks the ballot as assisted.
    pub async fn cast_pb_ballot(
        &self,
        ente: &EnteRow,
        slug: &str,
        who: &CitizenIdentity,
        ballot: &BallotInput,
    ) -> Result<(Phase, bool), AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let process = self.app.participation().pb_process(ente, slug).await?;
        let phase = process
            .open_vote()
            .ok_or_else(|| AppError::from(ParticipationError::NoOpenVote))?;
        self.app
            .participation()
            .pb_eligibility(ente, &process, who)
            .await?;
        Self::check_pb_ballot(&process, ballot)?;
        let hash = self.app.person_hash(&process.row, &who.fiscal_code);
        let key = self.app.ballot_key(&process.row, phase, &hash);
        let join = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let points = if process.row.ballot_kind == BallotKind::Cumulative {
            join(&ballot.points)
        } else {
            String::new()
        };
        let replaced = self
            .app
            .store
            .tenant(ente.ente_id())
            .cast_pb_ballot(NewPbBallot {
                process: &process.row.id,
                phase: phase.code(),
                person_hash: &hash,
                ballot_key: &key,
                vote: &join(&ballot.projects),
                points: &points,
                district: ballot
                    .district
                    .as_deref()
                    .filter(|_| !process.districts.is_empty())
                    .unwrap_or(""),
                assisted: who.assisted.is_some(),
            })
            .await
            .map_err(|e| match e {
                sportello_store::StoreError::Conflict(_) => {
                    AppError::from(ParticipationError::VoteClosed)
                }
                e => e.into(),
            })?;
        Ok((phase, replaced))
    }
    pub async fn pb_has_voted(
        &self,
        ente: &EnteRow,
        process: &PbProcess,
        phase: Phase,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let hash = self.app.person_hash(&process.row, &who.fiscal_code);
        Ok(self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_has_voted(&process.row.id, phase.code(), &hash)
            .await?)
    }
    /// The votes counted. Available once the results phase has begun (or for an imported
    /// process); a vote whose dates are over is sealed first, so its ballots can no longer be
    /// linked to anyone.
    pub async fn pb_results(&self, ente: &EnteRow, slug: &str) -> Result<PbResults, AppError> {
        let process = self.app.participation().pb_process(ente, slug).await?;
        let day = today(self.app).to_string();
        let started = |k: Phase| {
            process
                .phases
                .iter()
                .any(|f| f.kind == k && f.opens_on <= day)
        };
        if !process.row.historical && !started(Phase::Results) {
            return Err(AppError::from(ParticipationError::ResultsNotYet));
        }
        let tenant = self.app.store.tenant(ente.ente_id());
        let mut votes = Vec::new();
        for phase in Phase::VOTES {
            let Some(f) = process.phases.iter().find(|f| f.kind == phase) else {
                continue;
            };
            if f.closes_on.as_str() >= day.as_str() && !process.row.historical {
                continue;
            }
            tenant
                .seal_pb_vote(&process.row.id, phase.code(), || random_token(16))
                .await?;
            let all = tenant.pb_ballots(&process.row.id, phase.code()).await?;
            // One count per district (or one for the whole municipality).
            let districts: Vec<Option<PbDistrictRow>> = if process.districts.is_empty() {
                vec![None]
            } else {
                process.districts.iter().cloned().map(Some).collect()
            };
            for district in districts {
                let code = district.as_ref().map(|d| d.code.clone());
                let rows: Vec<sportello_store::PbBallotRow> = all
                    .iter()
                    .filter(|b| code.as_ref().is_none_or(|c| *c == b.district))
                    .cloned()
                    .collect();
                let election = self
                    .app
                    .pb_election(&process, phase, district.as_ref(), &rows);
                let support = sportello_pb::greedy::support(&election);
                let number = |i: usize| {
                    election
                        .projects
                        .get(i)
                        .and_then(|p| p.id.parse::<i64>().ok())
                        .unwrap_or(0)
                };
                let g = greedy(&election, &Greedy::Skip);
                let mes = equal_shares(&election, MesOptions::default()).ok();
                votes.push(VoteCount {
                    phase,
                    ballots: rows.len(),
                    assisted: rows.iter().filter(|r| r.assisted).count(),
                    support: support
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (number(i), *s))
                        .collect(),
                    greedy: g.selected.iter().map(|&i| number(i)).collect(),
                    mes: mes.map(|o| o.selected.iter().map(|&i| number(i)).collect()),
                    election,
                    district,
                });
            }
        }
        Ok(PbResults { process, votes })
    }
    /// A closed vote as an anonymised pabulib file (open data); one file per district when the
    /// budget is split by district.
    pub async fn pb_export(
        &self,
        ente: &EnteRow,
        slug: &str,
        phase: Phase,
        district: Option<&str>,
    ) -> Result<String, AppError> {
        let results = self.app.participation().pb_results(ente, slug).await?;
        let vote = results
            .votes
            .iter()
            .find(|v| v.phase == phase && v.district.as_ref().map(|d| d.code.as_str()) == district)
            .ok_or(AppError::NotFound)?;
        // With few voters a ballot could be tied to a person: not published.
        let min = self.app.settings.pb_min_voters_to_publish;
        if !results.process.row.historical && vote.ballots < min {
            return Err(ParticipationError::TooFewVoters { min }.into());
        }
        Ok(vote.election.to_pb())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(kind: BallotKind, budget: i64) -> PbProcess {
        let project = |n: i64, cost: i64, status: ProjectStatus| PbProjectRow {
            id: format!("p{n}"),
            number: n,
            title: format!("Progetto {n}"),
            description: String::new(),
            estimated_cost: cost,
            cost: None,
            status,
            review_reason: None,
            proposer_hash: None,
            created_at: 0,
            district: None,
            execution: None,
            execution_note: None,
        };
        PbProcess {
            row: PbProcessRow {
                id: "x".into(),
                slug: "x".into(),
                title: "x".into(),
                description: String::new(),
                budget,
                ballot_kind: kind,
                min_projects: None,
                max_projects: None,
                max_points: Some(10),
                rule: CountingRule::Mes,
                eligibility: Eligibility::Anyone,
                min_age: 16,
                salt: "s".into(),
                historical: false,
                created_at: 0,
            },
            phases: Vec::new(),
            projects: vec![
                project(1, 60, ProjectStatus::Feasible),
                project(2, 50, ProjectStatus::Feasible),
                project(3, 10, ProjectStatus::Feasible),
                project(4, 5, ProjectStatus::Unfeasible),
                project(5, 5, ProjectStatus::Proposed),
            ],
            districts: Vec::new(),
            open: Vec::new(),
        }
    }

    fn check(p: &PbProcess, projects: &[i64], points: &[i64]) -> Result<(), BallotError> {
        let ballot = BallotInput {
            projects: projects.to_vec(),
            points: points.to_vec(),
            district: None,
        };
        match Participation::check_pb_ballot(p, &ballot) {
            Ok(()) => Ok(()),
            Err(AppError::Ballot(e)) => Err(e),
            Err(other) => panic!("not a ballot error: {other:?}"),
        }
    }

    /// The rules themselves are tested in the domain; here, that the process's projects and
    /// budget reach them: only feasible projects are on the ballot, the process's budget holds.
    #[test]
    fn the_process_feeds_the_ballot_rules() {
        let knapsack = process(BallotKind::Approval, 100);
        assert_eq!(check(&knapsack, &[1, 3], &[]), Ok(()));
        assert_eq!(
            check(&knapsack, &[1, 2], &[]),
            Err(BallotError::OverBudget {
                total: 110,
                budget: 100
            })
        );
        assert_eq!(
            check(&knapsack, &[4], &[]),
            Err(BallotError::NotOnBallot(4))
        );
        assert_eq!(
            check(&knapsack, &[5], &[]),
            Err(BallotError::NotOnBallot(5))
        );
        let points = process(BallotKind::Cumulative, 100);
        assert!(matches!(
            check(&points, &[1, 2, 3], &[i64::MAX, i64::MAX, 2]),
            Err(BallotError::TooManyPoints { max: 10, .. })
        ));
    }
}
