//! Participatory budgeting's debate: comments, reports and moderation, the facilitators, and
//! the images of proposals. Every query is scoped to the tenant's ente through
//! `pb_processes.ente_id`.

use crate::db::StoreError;
use crate::pb::one_row;
use crate::tenancy::TenantStore;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbCommentRow {
    pub id: String,
    pub project_number: i64,
    pub parent_id: Option<String>,
    pub author_name: String,
    pub facilitator: Option<String>,
    pub body: String,
    pub created_at: i64,
    #[sqlx(try_from = "crate::codes::Flag")]
    pub hidden: bool,
    pub moderation: Option<String>,
    pub reports: i64,
}

const COMMENT_COLUMNS: &str = "c.id, c.project_number, c.parent_id, c.author_name, c.facilitator, c.body, c.created_at, \
     c.hidden, c.moderation, (SELECT COUNT(*) FROM pb_reports r WHERE r.comment_id = c.id) AS reports";

impl TenantStore<'_> {
    pub async fn pb_facilitator(
        &self,
        process: &str,
        person_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT organisation FROM pb_facilitators WHERE process_id = $1 AND person_hash = $2 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $3)",
        )
        .bind(process)
        .bind(person_hash)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn set_pb_facilitator(
        &self,
        process: &str,
        person_hash: &str,
        organisation: &str,
    ) -> Result<(), StoreError> {
        one_row(
            sqlx::query(
                "INSERT INTO pb_facilitators (process_id, person_hash, organisation) \
                 SELECT id, $2, $3 FROM pb_processes WHERE id = $1 AND ente_id = $4 \
                 ON CONFLICT (process_id, person_hash) DO UPDATE SET organisation = excluded.organisation",
            )
            .bind(process)
            .bind(person_hash)
            .bind(organisation)
            .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?,
        )
    }

    pub async fn pb_facilitator_names(&self, process: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT organisation FROM pb_facilitators WHERE process_id = $1 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $2) ORDER BY organisation",
        )
        .bind(process)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_pb_comment(
        &self,
        id: &str,
        process: &str,
        project_number: i64,
        parent: Option<&str>,
        author_hash: &str,
        author_name: &str,
        facilitator: Option<&str>,
        body: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pb_comments (id, process_id, project_number, parent_id, author_hash, author_name, facilitator, body, created_at) \
             SELECT $1, id, $3, $4, $5, $6, $7, $8, $9 FROM pb_processes WHERE id = $2 AND ente_id = $10",
        )
        .bind(id)
        .bind(process)
        .bind(project_number)
        .bind(parent)
        .bind(author_hash)
        .bind(author_name)
        .bind(facilitator)
        .bind(body)
        .bind(at)
        .bind(self.ente().get())
        .execute(&self.store().write_pool())
        .await
        .map_err(StoreError::from)
        .and_then(one_row)
    }

    pub async fn pb_comments(
        &self,
        process: &str,
        project_number: i64,
    ) -> Result<Vec<PbCommentRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbCommentRow>(&format!(
            "SELECT {COMMENT_COLUMNS} FROM pb_comments c JOIN pb_processes p ON p.id = c.process_id \
             WHERE c.process_id = $1 AND c.project_number = $2 AND p.ente_id = $3 ORDER BY c.created_at, c.id"
        ))
        .bind(process)
        .bind(project_number)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Comments hidden by reports and waiting for a moderator.
    pub async fn pb_comments_to_moderate(
        &self,
        process: &str,
    ) -> Result<Vec<PbCommentRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbCommentRow>(&format!(
            "SELECT {COMMENT_COLUMNS} FROM pb_comments c JOIN pb_processes p ON p.id = c.process_id \
             WHERE c.process_id = $1 AND p.ente_id = $2 AND c.hidden = 1 AND c.moderation IS NULL ORDER BY c.created_at"
        ))
        .bind(process)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Records a report (once per person) and hides the comment when the reports reach
    /// `threshold`, unless a moderator already decided to keep it. Returns the report count.
    pub async fn report_pb_comment(
        &self,
        process: &str,
        comment: &str,
        reporter_hash: &str,
        threshold: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.store().begin().await?;
        let found: Option<String> = sqlx::query_scalar(
            "SELECT c.id FROM pb_comments c JOIN pb_processes p ON p.id = c.process_id \
             WHERE c.id = $1 AND c.process_id = $2 AND p.ente_id = $3",
        )
        .bind(comment)
        .bind(process)
        .bind(self.ente().get())
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Err(StoreError::Conflict("not found".into()));
        }
        sqlx::query("INSERT INTO pb_reports (comment_id, reporter_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(comment)
            .bind(reporter_hash)
            .execute(&mut *tx)
            .await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pb_reports WHERE comment_id = $1")
            .bind(comment)
            .fetch_one(&mut *tx)
            .await?;
        if n >= threshold {
            sqlx::query("UPDATE pb_comments SET hidden = 1 WHERE id = $1 AND moderation IS NULL")
                .bind(comment)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// A moderator's decision: keep (shown again, no longer hidden by reports) or remove.
    pub async fn moderate_pb_comment(
        &self,
        process: &str,
        comment: &str,
        keep: bool,
    ) -> Result<(), StoreError> {
        one_row(
            sqlx::query(
            "UPDATE pb_comments SET hidden = $1, moderation = $2 WHERE id = $3 AND process_id = $4 \
             AND process_id IN (SELECT id FROM pb_processes WHERE ente_id = $5)",
        )
        .bind(if keep { 0i64 } else { 1i64 })
        .bind(if keep { "kept" } else { "removed" })
        .bind(comment)
        .bind(process)
        .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PbImageRow {
    pub position: i64,
    pub digest: String,
    pub media_type: String,
    pub description: String,
}

impl TenantStore<'_> {
    pub async fn add_pb_project_image(
        &self,
        project: &str,
        image: &PbImageRow,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        let owner: Option<i64> = sqlx::query_scalar(
            "SELECT p.ente_id FROM pb_projects j JOIN pb_processes p ON p.id = j.process_id WHERE j.id = $1",
        )
        .bind(project)
        .fetch_optional(&mut *tx)
        .await?;
        if owner != Some(self.ente().get()) {
            return Err(StoreError::Conflict("not found".into()));
        }
        sqlx::query(
            "INSERT INTO pb_project_images (project_id, position, digest, media_type, description) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project)
        .bind(image.position)
        .bind(&image.digest)
        .bind(&image.media_type)
        .bind(&image.description)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn pb_project_images(&self, project: &str) -> Result<Vec<PbImageRow>, StoreError> {
        Ok(sqlx::query_as::<_, PbImageRow>(
            "SELECT i.position, i.digest, i.media_type, i.description FROM pb_project_images i \
             JOIN pb_projects j ON j.id = i.project_id JOIN pb_processes p ON p.id = j.process_id \
             WHERE i.project_id = $1 AND p.ente_id = $2 ORDER BY i.position",
        )
        .bind(project)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }
}
