//! Participatory budgeting: processes, phases, projects, eligibility, voters and ballots.
//! Every query is scoped to the tenant's ente through `pb_processes.ente_id`.

use sportello_domain::participation::{
    BallotKind, CountingRule, Eligibility, Execution, Phase, ProjectStatus,
};

use crate::db::{StoreError, Tx};
use crate::tenancy::TenantStore;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbProcessRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub budget: i64,
    #[sqlx(try_from = "String")]
    pub ballot_kind: BallotKind,
    pub min_projects: Option<i64>,
    pub max_projects: Option<i64>,
    pub max_points: Option<i64>,
    #[sqlx(try_from = "String")]
    pub rule: CountingRule,
    #[sqlx(try_from = "String")]
    pub eligibility: Eligibility,
    pub min_age: i64,
    pub salt: String,
    #[sqlx(try_from = "crate::codes::Flag")]
    pub historical: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbPhaseRow {
    #[sqlx(try_from = "String")]
    pub kind: Phase,
    pub opens_on: String,
    pub closes_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbProjectRow {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub estimated_cost: i64,
    pub cost: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    pub review_reason: Option<String>,
    pub proposer_hash: Option<String>,
    pub created_at: i64,
    /// The district's code, when the budget is split by district.
    pub district: Option<String>,
    /// How the project is being carried out, once chosen: planned, in_progress, done, cancelled.
    #[sqlx(try_from = "crate::codes::OptionalCode")]
    pub execution: Option<Execution>,
    pub execution_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbBallotRow {
    pub vote: String,
    pub points: String,
    #[sqlx(try_from = "crate::codes::Flag")]
    pub assisted: bool,
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbDistrictRow {
    pub code: String,
    pub name: String,
    pub budget: i64,
}

/// A ballot to store.
#[derive(Debug, Clone, Copy)]
pub struct NewPbBallot<'a> {
    pub process: &'a str,
    pub phase: &'a str,
    /// Who votes (salted hash): goes to `pb_voters` only.
    pub person_hash: &'a str,
    pub ballot_key: &'a str,
    pub vote: &'a str,
    pub points: &'a str,
    /// The district voted in, or "".
    pub district: &'a str,
    pub assisted: bool,
}

/// An update of exactly one row of this ente: none means the row is not the ente's, or absent.
pub(crate) fn one_row(done: sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("not found".into()));
    }
    Ok(())
}

/// Whether a vote has been sealed (closed for good).
async fn is_sealed(tx: &mut Tx, process: &str, phase: &str) -> Result<bool, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pb_sealed WHERE process_id = $1 AND phase = $2")
            .bind(process)
            .bind(phase)
            .fetch_one(&mut **tx)
            .await?;
    Ok(n > 0)
}

/// Whether the process belongs to the ente.
async fn owns(tx: &mut Tx, ente: i64, process: &str) -> Result<bool, StoreError> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT ente_id FROM pb_processes WHERE id = $1")
        .bind(process)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(owner == Some(ente))
}

const PROCESS_COLUMNS: &str =
    "id, slug, title, description, budget, ballot_kind, min_projects, max_projects, \
     max_points, rule, eligibility, min_age, salt, historical, created_at";

impl TenantStore<'_> {
    /// Creates a process with its phases.
    pub async fn insert_pb_process(
        &self,
        p: &PbProcessRow,
        phases: &[PbPhaseRow],
        districts: &[PbDistrictRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        insert_process(&mut tx, self.ente().get(), p, phases, districts).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A historical process from a pabulib file, in one transaction: the process and its
    /// phases, its projects (numbered 1, 2, … in the order given), and its ballots in one
    /// vote, sealed at once (each ballot under a fresh random key). Nothing is stored if any
    /// part fails, so a retry after a failure starts clean.
    pub async fn import_pb_process(
        &self,
        p: &PbProcessRow,
        phases: &[PbPhaseRow],
        projects: &[PbProjectRow],
        vote: Phase,
        ballots: &[(String, String)],
        mut fresh_key: impl FnMut() -> String,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.store().begin().await?;
        insert_process(&mut tx, self.ente().get(), p, phases, &[]).await?;
        let mut numbers = Vec::with_capacity(projects.len());
        for project in projects {
            numbers.push(insert_project(&mut tx, &p.id, project).await?);
        }
        for (votes, points) in ballots {
            sqlx::query(
                "INSERT INTO pb_ballots (ballot_key, process_id, phase, vote, points, assisted, district) \
                 VALUES ($1, $2, $3, $4, $5, 0, '')",
            )
            .bind(format!("sealed-{}", fresh_key()))
            .bind(&p.id)
            .bind(vote.code())
            .bind(votes)
            .bind(points)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("INSERT INTO pb_sealed (process_id, phase) VALUES ($1, $2)")
            .bind(&p.id)
            .bind(vote.code())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(numbers)
    }

    /// Replaces the phases' dates of a process of this ente.
    pub async fn replace_pb_phases(
        &self,
        process: &str,
        phases: &[PbPhaseRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        if !owns(&mut tx, self.ente().get(), process).await? {
            return Err(StoreError::Conflict("not found".into()));
        }
        sqlx::query("DELETE FROM pb_phases WHERE process_id = $1")
            .bind(process)
            .execute(&mut *tx)
            .await?;
        insert_phases(&mut tx, process, phases).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn pb_districts(&self, process: &str) -> Result<Vec<PbDistrictRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbDistrictRow>(
            "SELECT d.code, d.name, d.budget FROM pb_districts d JOIN pb_processes p ON p.id = d.process_id \
             WHERE d.process_id = $1 AND p.ente_id = $2 ORDER BY d.code",
        )
        .bind(process)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn pb_processes(&self) -> Result<Vec<PbProcessRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbProcessRow>(&format!(
            "SELECT {PROCESS_COLUMNS} FROM pb_processes WHERE ente_id = $1 ORDER BY created_at DESC, slug"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn pb_process(&self, slug: &str) -> Result<Option<PbProcessRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbProcessRow>(&format!(
            "SELECT {PROCESS_COLUMNS} FROM pb_processes WHERE ente_id = $1 AND slug = $2"
        ))
        .bind(self.ente().get())
        .bind(slug)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn pb_phases(&self, process: &str) -> Result<Vec<PbPhaseRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbPhaseRow>(
            "SELECT f.kind, f.opens_on, f.closes_on FROM pb_phases f JOIN pb_processes p ON p.id = f.process_id \
             WHERE f.process_id = $1 AND p.ente_id = $2 ORDER BY f.opens_on, f.kind",
        )
        .bind(process)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Adds a proposal; numbers follow each other.
    pub async fn insert_pb_project(
        &self,
        process: &str,
        p: &PbProjectRow,
    ) -> Result<i64, StoreError> {
        let mut tx = self.store().begin().await?;
        if !owns(&mut tx, self.ente().get(), process).await? {
            return Err(StoreError::Conflict("not found".into()));
        }
        let number = insert_project(&mut tx, process, p).await?;
        tx.commit().await?;
        Ok(number)
    }

    pub async fn pb_projects(&self, process: &str) -> Result<Vec<PbProjectRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbProjectRow>(
            "SELECT j.id, j.number, j.title, j.description, j.estimated_cost, j.cost, j.status, j.review_reason, \
             j.proposer_hash, j.created_at, j.district, j.execution, j.execution_note FROM pb_projects j JOIN pb_processes p ON p.id = j.process_id \
             WHERE j.process_id = $1 AND p.ente_id = $2 ORDER BY j.number",
        )
        .bind(process)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Records the office's feasibility review of a proposal.
    pub async fn review_pb_project(
        &self,
        process: &str,
        project: &str,
        status: ProjectStatus,
        cost: Option<i64>,
        reason: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        one_row(
            sqlx::query(
            "UPDATE pb_projects SET status = $1, cost = $2, review_reason = $3, reviewed_by = $4 \
             WHERE id = $5 AND process_id = $6 AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $7)",
        )
        .bind(status.code())
        .bind(cost)
        .bind(reason)
        .bind(by)
        .bind(project)
        .bind(process)
        .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?,
        )
    }

    /// Records how a chosen project is being carried out.
    pub async fn set_pb_execution(
        &self,
        process: &str,
        project: &str,
        status: Execution,
        note: &str,
    ) -> Result<(), StoreError> {
        one_row(
            sqlx::query(
            "UPDATE pb_projects SET execution = $1, execution_note = $2 WHERE id = $3 AND process_id = $4 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $5)",
        )
        .bind(status.code())
        .bind(note)
        .bind(project)
        .bind(process)
        .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?,
        )
    }

    /// Replaces the list of eligible people (salted hashes).
    pub async fn replace_pb_eligible(
        &self,
        process: &str,
        hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        if !owns(&mut tx, self.ente().get(), process).await? {
            return Err(StoreError::Conflict("not found".into()));
        }
        sqlx::query("DELETE FROM pb_eligible WHERE process_id = $1")
            .bind(process)
            .execute(&mut *tx)
            .await?;
        for h in hashes {
            sqlx::query("INSERT INTO pb_eligible (process_id, person_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(process)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn pb_is_eligible(&self, process: &str, hash: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pb_eligible WHERE process_id = $1 AND person_hash = $2 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $3)",
        )
        .bind(process)
        .bind(hash)
        .bind(self.ente().get())
        .fetch_one(self.store().reader())
        .await?;
        Ok(n > 0)
    }

    pub async fn pb_eligible_count(&self, process: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM pb_eligible WHERE process_id = $1 \
                 AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $2)",
        )
        .bind(process)
        .bind(self.ente().get())
        .fetch_one(self.store().reader())
        .await?)
    }

    /// Stores a ballot, replacing the same voter's earlier one in the same vote, and records
    /// that the voter has voted — in one transaction. Returns whether it replaced one.
    pub async fn cast_pb_ballot(&self, b: NewPbBallot<'_>) -> Result<bool, StoreError> {
        let (process, phase, person_hash, ballot_key) =
            (b.process, b.phase, b.person_hash, b.ballot_key);
        let assisted = b.assisted;
        let mut tx = self.store().begin().await?;
        if !owns(&mut tx, self.ente().get(), process).await? {
            return Err(StoreError::Conflict("not found".into()));
        }
        if is_sealed(&mut tx, process, phase).await? {
            return Err(StoreError::Conflict("vote closed".into()));
        }
        let replaced = sqlx::query(
            "DELETE FROM pb_ballots WHERE process_id = $1 AND phase = $2 AND ballot_key = $3",
        )
        .bind(process)
        .bind(phase)
        .bind(ballot_key)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query(
            // Another ballot of the same voter may be committed between the DELETE above and
            // this INSERT (PostgreSQL, READ COMMITTED): the later one replaces it here as well.
            "INSERT INTO pb_ballots (ballot_key, process_id, phase, vote, points, assisted, district) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (process_id, phase, ballot_key) DO UPDATE SET vote = excluded.vote, \
             points = excluded.points, assisted = excluded.assisted, district = excluded.district",
        )
        .bind(ballot_key)
        .bind(process)
        .bind(phase)
        .bind(b.vote)
        .bind(b.points)
        .bind(i64::from(assisted))
        .bind(b.district)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO pb_voters (process_id, phase, person_hash, assisted) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (process_id, phase, person_hash) DO UPDATE SET assisted = excluded.assisted",
        )
        .bind(process)
        .bind(phase)
        .bind(person_hash)
        .bind(i64::from(assisted))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(replaced)
    }

    pub async fn pb_has_voted(
        &self,
        process: &str,
        phase: &str,
        person_hash: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pb_voters WHERE process_id = $1 AND phase = $2 AND person_hash = $3 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $4)",
        )
        .bind(process)
        .bind(phase)
        .bind(person_hash)
        .bind(self.ente().get())
        .fetch_one(self.store().reader())
        .await?;
        Ok(n > 0)
    }

    /// The ballots of a vote, in the order of their keys (random once sealed).
    pub async fn pb_ballots(
        &self,
        process: &str,
        phase: &str,
    ) -> Result<Vec<PbBallotRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbBallotRow>(
            "SELECT b.vote, b.points, b.assisted, b.district FROM pb_ballots b JOIN pb_processes p ON p.id = b.process_id \
             WHERE b.process_id = $1 AND b.phase = $2 AND p.ente_id = $3 ORDER BY b.ballot_key",
        )
        .bind(process)
        .bind(phase)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Closes a vote for good: every ballot's key becomes a fresh random one, so nothing links
    /// ballots to voters any more, and no ballot can be cast or changed. Idempotent.
    pub async fn seal_pb_vote(
        &self,
        process: &str,
        phase: &str,
        mut fresh_key: impl FnMut() -> String,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        if !owns(&mut tx, self.ente().get(), process).await? {
            return Err(StoreError::Conflict("not found".into()));
        }
        if is_sealed(&mut tx, process, phase).await? {
            return Ok(());
        }
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT ballot_key FROM pb_ballots WHERE process_id = $1 AND phase = $2",
        )
        .bind(process)
        .bind(phase)
        .fetch_all(&mut *tx)
        .await?;
        for key in keys {
            sqlx::query("UPDATE pb_ballots SET ballot_key = $1 WHERE process_id = $2 AND phase = $3 AND ballot_key = $4")
                .bind(format!("sealed-{}", fresh_key()))
                .bind(process)
                .bind(phase)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO pb_sealed (process_id, phase) VALUES ($1, $2)")
            .bind(process)
            .bind(phase)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The phases of a process, inside the transaction that creates or replaces them.
async fn insert_phases(
    tx: &mut Tx,
    process: &str,
    phases: &[PbPhaseRow],
) -> Result<(), StoreError> {
    for ph in phases {
        sqlx::query(
            "INSERT INTO pb_phases (process_id, kind, opens_on, closes_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(process)
        .bind(ph.kind.code())
        .bind(&ph.opens_on)
        .bind(&ph.closes_on)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A process, its districts and phases, inside the caller's transaction.
async fn insert_process(
    tx: &mut Tx,
    ente: i64,
    p: &PbProcessRow,
    phases: &[PbPhaseRow],
    districts: &[PbDistrictRow],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO pb_processes (id, ente_id, slug, title, description, budget, ballot_kind, min_projects, \
         max_projects, max_points, rule, eligibility, min_age, salt, historical, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&p.id)
    .bind(ente)
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.budget)
    .bind(p.ballot_kind.code())
    .bind(p.min_projects)
    .bind(p.max_projects)
    .bind(p.max_points)
    .bind(p.rule.code())
    .bind(p.eligibility.code())
    .bind(p.min_age)
    .bind(&p.salt)
    .bind(i64::from(p.historical))
    .bind(p.created_at)
    .execute(&mut **tx)
    .await?;
    for d in districts {
        sqlx::query(
            "INSERT INTO pb_districts (process_id, code, name, budget) VALUES ($1, $2, $3, $4)",
        )
        .bind(&p.id)
        .bind(&d.code)
        .bind(&d.name)
        .bind(d.budget)
        .execute(&mut **tx)
        .await?;
    }
    insert_phases(tx, &p.id, phases).await
}

/// A project with the next number of its process, inside the caller's transaction.
async fn insert_project(tx: &mut Tx, process: &str, p: &PbProjectRow) -> Result<i64, StoreError> {
    let number: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM pb_projects WHERE process_id = $1",
    )
    .bind(process)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO pb_projects (id, process_id, number, title, description, estimated_cost, cost, status, \
         review_reason, proposer_hash, created_at, district) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&p.id)
    .bind(process)
    .bind(number)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.estimated_cost)
    .bind(p.cost)
    .bind(p.status.code())
    .bind(&p.review_reason)
    .bind(&p.proposer_hash)
    .bind(p.created_at)
    .bind(&p.district)
    .execute(&mut **tx)
    .await?;
    Ok(number)
}

/// A vote whose dates are over and whose ballots are not sealed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteToSeal {
    pub ente: sportello_domain::tenancy::EnteId,
    pub process: String,
    pub phase: Phase,
}

impl crate::tenancy::RegionWide<'_> {
    /// Every live (not imported) process of the region: (ente id, slug), newest first.
    pub async fn live_pb_processes(
        &self,
    ) -> Result<Vec<(sportello_domain::tenancy::EnteId, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT ente_id, slug FROM pb_processes WHERE historical = 0 \
             ORDER BY created_at DESC, slug",
        )
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    sportello_domain::tenancy::EnteId::from_stored(sqlx::Row::try_get(
                        r, "ente_id",
                    )?),
                    sqlx::Row::try_get(r, "slug")?,
                ))
            })
            .collect()
    }

    /// Every vote, in every ente, that closed before `day` (`YYYY-MM-DD`, Italian time) and is
    /// not sealed: the jobs seal them, so no ballot stays linkable to its voter once the vote
    /// is over, whether or not anyone looks at the results.
    pub async fn votes_to_seal(&self, day: &str) -> Result<Vec<VoteToSeal>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.ente_id, f.process_id, f.kind FROM pb_phases f \
             JOIN pb_processes p ON p.id = f.process_id \
             WHERE f.kind IN ($2, $3) AND f.closes_on < $1 AND p.historical = 0 \
             AND NOT EXISTS (SELECT 1 FROM pb_sealed s WHERE s.process_id = f.process_id AND s.phase = f.kind) \
             ORDER BY f.process_id, f.kind",
        )
        .bind(day)
        .bind(Phase::Vote1.code())
        .bind(Phase::Vote2.code())
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = sqlx::Row::try_get(r, "kind")?;
                Ok(VoteToSeal {
                    ente: sportello_domain::tenancy::EnteId::from_stored(sqlx::Row::try_get(
                        r, "ente_id",
                    )?),
                    process: sqlx::Row::try_get(r, "process_id")?,
                    phase: Phase::parse(&kind)
                        .map_err(|e| StoreError::Db(sqlx::Error::Decode(Box::new(e))))?,
                })
            })
            .collect()
    }
}
