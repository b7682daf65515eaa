//! Each ente's adaptations of the office's act texts (`act_texts`): one row per ente and act,
//! absent while the ente uses the region's text.

use sportello_domain::procedure::acts::ActKind;

use crate::db::StoreError;
use crate::tenancy::{TenantStore, TenantTx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActTextRow {
    #[sqlx(try_from = "String")]
    pub kind: ActKind,
    pub title: String,
    pub body: String,
    pub message: String,
    pub updated_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "kind, title, body, message, updated_by, updated_at";

impl TenantStore<'_> {
    /// The ente's adapted acts.
    pub async fn act_texts(&self) -> Result<Vec<ActTextRow>, StoreError> {
        Ok(sqlx::query_as::<_, ActTextRow>(&format!(
            "SELECT {COLUMNS} FROM act_texts WHERE ente_id = $1 ORDER BY kind"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's text of one act, if it adapted it.
    pub async fn act_text(&self, kind: ActKind) -> Result<Option<ActTextRow>, StoreError> {
        Ok(sqlx::query_as::<_, ActTextRow>(&format!(
            "SELECT {COLUMNS} FROM act_texts WHERE ente_id = $1 AND kind = $2"
        ))
        .bind(self.ente().get())
        .bind(kind.code())
        .fetch_optional(self.store().reader())
        .await?)
    }
}

impl TenantTx {
    /// Saves the ente's text of an act (the last save wins).
    pub async fn set_act_text(&mut self, row: &ActTextRow) -> Result<(), StoreError> {
        let ente = self.ente();
        sqlx::query(
            "INSERT INTO act_texts (ente_id, kind, title, body, message, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (ente_id, kind) DO UPDATE SET title = excluded.title, body = excluded.body, \
             message = excluded.message, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(ente.get())
        .bind(row.kind.code())
        .bind(&row.title)
        .bind(&row.body)
        .bind(&row.message)
        .bind(&row.updated_by)
        .bind(row.updated_at)
        .execute(&mut **self.tx())
        .await?;
        Ok(())
    }

    /// Goes back to the region's text of an act.
    pub async fn remove_act_text(&mut self, kind: ActKind) -> Result<(), StoreError> {
        let ente = self.ente();
        sqlx::query("DELETE FROM act_texts WHERE ente_id = $1 AND kind = $2")
            .bind(ente.get())
            .bind(kind.code())
            .execute(&mut **self.tx())
            .await?;
        Ok(())
    }
}
