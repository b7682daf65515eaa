//! Ballots: their rules, casting and replacing, and the count of each vote with both rules.

use super::*;

impl App {
    /// Checks a ballot against the process's rules; the reason is in Italian.
    pub fn check_pb_ballot(process: &PbProcess, ballot: &BallotInput) -> Result<(), AppError> {
        let r = &process.row;
        if ballot.projects.is_empty() {
            return Err(invalid("Scegli almeno un progetto."));
        }
        let district = if process.districts.is_empty() {
            None
        } else {
            let d = ballot
                .district
                .as_deref()
                .and_then(|c| process.district(c))
                .ok_or_else(|| {
                    invalid("Scegli il tuo quartiere: si votano i progetti di un quartiere.")
                })?;
            Some(d)
        };
        let budget = district.map(|d| d.budget).unwrap_or(r.budget);
        let mut seen = std::collections::HashSet::new();
        let mut total = 0i64;
        for n in &ballot.projects {
            let p = process.feasible().find(|p| p.number == *n).ok_or_else(|| {
                invalid(format!("Il progetto n. {n} non è tra quelli in votazione."))
            })?;
            if let Some(d) = district {
                if p.district.as_deref() != Some(d.code.as_str()) {
                    let theirs = p
                        .district
                        .as_deref()
                        .and_then(|c| process.district(c))
                        .map(|x| x.name.as_str())
                        .unwrap_or("");
                    return Err(invalid(format!(
                        "Il progetto n. {n} è del quartiere «{theirs}»: si votano solo i progetti del quartiere scelto, «{}».",
                        d.name
                    )));
                }
            }
            if !seen.insert(*n) {
                return Err(invalid(format!("Il progetto n. {n} compare due volte.")));
            }
            total += p.cost.unwrap_or(p.estimated_cost);
        }
        let count = ballot.projects.len() as i64;
        let within = |what: &str| -> Result<(), AppError> {
            if let Some(min) = r.min_projects {
                if count < min {
                    return Err(invalid(format!(
                        "Devi {what} almeno {min} progetti; ne hai indicati {count}."
                    )));
                }
            }
            if let Some(max) = r.max_projects {
                if count > max {
                    return Err(invalid(format!(
                        "Puoi {what} al massimo {max} progetti; ne hai indicati {count}."
                    )));
                }
            }
            Ok(())
        };
        match r.ballot_kind.as_str() {
            "cumulative" => {
                if ballot.points.len() != ballot.projects.len()
                    || ballot.points.iter().any(|p| *p <= 0)
                {
                    return Err(invalid("Assegna a ogni progetto scelto almeno un punto."));
                }
                let sum: i64 = ballot.points.iter().sum();
                let max = r.max_points.unwrap_or(0);
                if sum > max {
                    return Err(invalid(format!(
                        "Hai assegnato {sum} punti: al massimo se ne possono assegnare {max}."
                    )));
                }
            }
            "ordinal" => within("mettere in classifica")?,
            _ => {
                if r.min_projects.is_some() || r.max_projects.is_some() {
                    within("scegliere")?;
                } else if total > budget {
                    return Err(invalid(format!(
                        "I progetti scelti costano in tutto {total} euro e superano il budget di {budget} euro: togline qualcuno."
                    )));
                }
            }
        }
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
    ) -> Result<(String, bool), AppError> {
        let process = self.pb_process(ente, slug).await?;
        let phase = ["vote1", "vote2"]
            .into_iter()
            .find(|k| process.is_open(k))
            .ok_or_else(|| AppError::Refused("Non c'è una votazione aperta oggi.".into()))?;
        self.pb_eligibility(ente, &process, who).await?;
        Self::check_pb_ballot(&process, ballot)?;
        let hash = self.person_hash(&process.row, &who.fiscal_code);
        let key = self.ballot_key(&process.row, phase, &hash);
        let join = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let points = if process.row.ballot_kind == "cumulative" {
            join(&ballot.points)
        } else {
            String::new()
        };
        let replaced = self
            .store
            .tenant(EnteId(ente.id))
            .cast_pb_ballot(NewPbBallot {
                process: &process.row.id,
                phase,
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
                    AppError::Refused("La votazione è chiusa.".into())
                }
                e => e.into(),
            })?;
        Ok((phase.to_owned(), replaced))
    }

    pub async fn pb_has_voted(
        &self,
        ente: &EnteRow,
        process: &PbProcess,
        phase: &str,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        let hash = self.person_hash(&process.row, &who.fiscal_code);
        Ok(self
            .store
            .tenant(EnteId(ente.id))
            .pb_has_voted(&process.row.id, phase, &hash)
            .await?)
    }

    /// The votes counted. Available once the results phase has begun (or for an imported
    /// process); a vote whose dates are over is sealed first, so its ballots can no longer be
    /// linked to anyone.
    pub async fn pb_results(&self, ente: &EnteRow, slug: &str) -> Result<PbResults, AppError> {
        let process = self.pb_process(ente, slug).await?;
        let day = today(self).to_string();
        let started = |k: &str| {
            process
                .phases
                .iter()
                .any(|f| f.kind == k && f.opens_on <= day)
        };
        if process.row.historical == 0 && !started("results") {
            return Err(AppError::Refused(
                "I risultati saranno pubblicati all'apertura della fase «Risultati».".into(),
            ));
        }
        let tenant = self.store.tenant(EnteId(ente.id));
        let mut votes = Vec::new();
        for phase in ["vote1", "vote2"] {
            let Some(f) = process.phases.iter().find(|f| f.kind == phase) else {
                continue;
            };
            if f.closes_on.as_str() >= day.as_str() && process.row.historical == 0 {
                continue;
            }
            tenant
                .seal_pb_vote(&process.row.id, phase, || random_token(16))
                .await?;
            let all = tenant.pb_ballots(&process.row.id, phase).await?;
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
                let election = self.pb_election(&process, phase, district.as_ref(), &rows);
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
                    phase: phase.to_owned(),
                    ballots: rows.len(),
                    assisted: rows.iter().filter(|r| r.assisted != 0).count(),
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

    /// A vote as a pabulib election: project ids are the project numbers, voters are numbered
    /// 1…n in the (random) order of the sealed ballots; nothing else about them is kept.
    fn pb_election(
        &self,
        process: &PbProcess,
        phase: &str,
        district: Option<&PbDistrictRow>,
        rows: &[sportello_store::PbBallotRow],
    ) -> Election {
        let r = &process.row;
        let vote_type = match r.ballot_kind.as_str() {
            "cumulative" => VoteType::Cumulative,
            "ordinal" => VoteType::Ordinal,
            _ => VoteType::Approval,
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
            ("instance".to_owned(), phase.to_owned()),
            ("num_projects".to_owned(), projects.len().to_string()),
            ("num_votes".to_owned(), rows.len().to_string()),
            ("budget".to_owned(), budget.to_string()),
            ("vote_type".to_owned(), vote_type.as_str().to_owned()),
            (
                "rule".to_owned(),
                if r.rule == "mes" {
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

    /// A closed vote as an anonymised pabulib file (open data); one file per district when the
    /// budget is split by district.
    pub async fn pb_export(
        &self,
        ente: &EnteRow,
        slug: &str,
        phase: &str,
        district: Option<&str>,
    ) -> Result<String, AppError> {
        let results = self.pb_results(ente, slug).await?;
        let vote = results
            .votes
            .iter()
            .find(|v| v.phase == phase && v.district.as_ref().map(|d| d.code.as_str()) == district)
            .ok_or(AppError::NotFound)?;
        Ok(vote.election.to_pb())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(kind: &str, min: Option<i64>, max: Option<i64>, points: Option<i64>) -> PbProcess {
        let project = |n: i64, cost: i64, status: &str| PbProjectRow {
            id: format!("p{n}"),
            number: n,
            title: format!("Progetto {n}"),
            description: String::new(),
            estimated_cost: cost,
            cost: None,
            status: status.into(),
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
                budget: 100,
                ballot_kind: kind.into(),
                min_projects: min,
                max_projects: max,
                max_points: points,
                rule: "mes".into(),
                eligibility: "any".into(),
                min_age: 16,
                salt: "s".into(),
                historical: 0,
                created_at: 0,
            },
            phases: Vec::new(),
            projects: vec![
                project(1, 60, "feasible"),
                project(2, 50, "feasible"),
                project(3, 10, "feasible"),
                project(4, 5, "unfeasible"),
            ],
            districts: Vec::new(),
            open: Vec::new(),
        }
    }

    fn ballot(projects: &[i64], points: &[i64]) -> BallotInput {
        BallotInput {
            projects: projects.to_vec(),
            points: points.to_vec(),
            district: None,
        }
    }

    fn refusal(p: &PbProcess, b: &BallotInput) -> String {
        match App::check_pb_ballot(p, b) {
            Err(AppError::Invalid(m)) => m,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn ballots_follow_the_rules_of_their_kind() {
        let knapsack = process("approval", None, None, None);
        assert!(App::check_pb_ballot(&knapsack, &ballot(&[1, 3], &[])).is_ok());
        assert!(refusal(&knapsack, &ballot(&[1, 2], &[]))
            .contains("costano in tutto 110 euro e superano il budget di 100 euro"));
        assert!(refusal(&knapsack, &ballot(&[], &[])).contains("almeno un progetto"));
        assert!(
            refusal(&knapsack, &ballot(&[4], &[])).contains("non è tra quelli in votazione"),
            "an unfeasible project"
        );
        assert!(refusal(&knapsack, &ballot(&[3, 3], &[])).contains("compare due volte"));

        let counted = process("approval", Some(2), Some(2), None);
        assert!(
            App::check_pb_ballot(&counted, &ballot(&[1, 2], &[])).is_ok(),
            "a count rule replaces the budget rule"
        );
        assert!(
            refusal(&counted, &ballot(&[1], &[])).contains("almeno 2 progetti; ne hai indicati 1")
        );
        assert!(refusal(&counted, &ballot(&[1, 2, 3], &[]))
            .contains("al massimo 2 progetti; ne hai indicati 3"));

        let points = process("cumulative", None, None, Some(10));
        assert!(App::check_pb_ballot(&points, &ballot(&[1, 2], &[6, 4])).is_ok());
        assert!(refusal(&points, &ballot(&[1, 2], &[6, 5]))
            .contains("Hai assegnato 11 punti: al massimo se ne possono assegnare 10"));
        assert!(refusal(&points, &ballot(&[1, 2], &[6, 0])).contains("almeno un punto"));

        let ranking = process("ordinal", Some(1), Some(2), None);
        assert!(App::check_pb_ballot(&ranking, &ballot(&[3, 1], &[])).is_ok());
        assert!(refusal(&ranking, &ballot(&[3, 1, 2], &[]))
            .contains("mettere in classifica al massimo 2"));
    }
}
