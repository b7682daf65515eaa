//! The albo pretorio (issue 18): each ente's publications with their yearly numbers, the chain
//! of the albo's events (published, annulled, extended, ended, served, outage) and its head,
//! and full-text search in Italian — SQLite's FTS5 or PostgreSQL's text search, chosen in
//! `dialect.rs`, behind one query here.

use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::{RegionWide, TenantStore};

/// A publication request, as an office (or the registry clerk, for a third party's act) asks
/// for it: the act, who asked, the document and its attachments, what the privacy check found.
#[derive(Debug, Clone)]
pub struct NewAlboRequest<'a> {
    pub ente_id: i64,
    pub act_type: &'a str,
    /// The type's label as the request was made.
    pub act_label: &'a str,
    pub subject: &'a str,
    pub act_number: &'a str,
    pub act_date: Option<&'a str>,
    pub requester: &'a str,
    pub responsible: &'a str,
    pub requested_by: &'a str,
    pub requested_by_id: i64,
    pub document_name: &'a str,
    pub document_digest: &'a str,
    /// JSON list of `{name, digest}`.
    pub attachments: &'a str,
    /// The attachments' digests (as in `attachments`).
    pub attachment_digests: &'a [&'a str],
    /// The protocol registration through which the request arrived (`anno/numero`).
    pub protocol_ref: Option<&'a str>,
    pub days: i64,
    pub immediately_executive: bool,
    /// JSON list of what the privacy check found.
    pub findings: &'a str,
    pub privacy_findings: i64,
}

/// An act type an ente added to the region's list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlboOwnType {
    pub code: String,
    pub label: String,
    pub days: i64,
    pub in_use: i64,
}

/// The publication officer's act: the number, the period, and — when an extract is published
/// instead of the whole document — the extract and what its check found.
#[derive(Debug, Clone)]
pub struct AlboPublication<'a> {
    pub year: i64,
    pub number: i64,
    pub published_by: &'a str,
    pub published_by_id: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub extract: Option<(&'a str, &'a str, &'a str, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlboEntryRow {
    pub id: i64,
    pub ente_id: i64,
    pub year: Option<i64>,
    pub number: Option<i64>,
    pub act_type: String,
    pub subject: String,
    pub act_number: String,
    pub act_date: Option<String>,
    pub requester: String,
    pub responsible: String,
    pub requested_by: String,
    pub requested_by_id: i64,
    pub published_by: Option<String>,
    pub published_by_id: Option<i64>,
    pub document_name: String,
    pub document_digest: String,
    pub extract: i64,
    pub attachments: String,
    pub days: i64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub outage_ms: i64,
    pub immediately_executive: i64,
    pub state: String,
    pub annulment_reason: Option<String>,
    pub findings: String,
    pub privacy_findings: i64,
    pub relata_digest: Option<String>,
    pub relata_registration: Option<String>,
    pub created_at: i64,
    /// The entry's place in the ente's register (given at publication; higher is newer).
    pub board_key: Option<i64>,
    /// Why the publication officer sent the request back (state `returned`).
    pub return_reason: Option<String>,
    /// The protocol registration through which the request arrived (`anno/numero`).
    pub protocol_ref: Option<String>,
    /// The type's label as the request was made (empty for acts from before it was kept).
    pub act_label: String,
}

impl AlboEntryRow {
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

const ENTRY_COLUMNS: &str = "id, ente_id, year, number, act_type, subject, act_number, act_date, \
     requester, responsible, requested_by, requested_by_id, published_by, published_by_id, \
     document_name, document_digest, extract, attachments, days, start_ms, end_ms, outage_ms, \
     immediately_executive, state, annulment_reason, findings, privacy_findings, relata_digest, \
     relata_registration, created_at, board_key, return_reason, protocol_ref, act_label";

/// `ENTRY_COLUMNS` of the table named `e` (where a search joins another table).
fn entry_columns_of_e() -> String {
    ENTRY_COLUMNS
        .split(',')
        .map(|c| format!("e.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One link of an ente's chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlboEventRow {
    pub seq: i64,
    pub kind: String,
    pub entry: String,
    pub detail: String,
    pub at_ms: i64,
    pub hash: String,
}

/// What the public board asks for: the words, the act type, the year, a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlboQuery {
    pub words: String,
    pub act_type: Option<String>,
    pub year: Option<i64>,
    /// One register number (with `year`).
    pub number: Option<i64>,
    /// Entries from this `board_key` on are skipped: keyset paging, newest first (the key of
    /// the last entry of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Inside `tx`: the ente's next number of `year` (1 on the first publication of a year).
    /// The counter's row stays locked until the transaction ends, so numbers are gapless and
    /// never given twice.
    pub async fn albo_next_number(tx: &mut Tx, ente_id: i64, year: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO albo_counters (ente_id, year, last_number) VALUES ($1, $2, 1) \
             ON CONFLICT (ente_id, year) DO UPDATE SET last_number = albo_counters.last_number + 1 \
             RETURNING last_number",
        )
        .bind(ente_id)
        .bind(year)
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get("last_number")?)
    }

    /// Writes a publication request, and its words for the search. Its id.
    pub async fn albo_request(
        &self,
        e: &NewAlboRequest<'_>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO albo_entries (ente_id, act_type, subject, act_number, act_date, requester, \
             responsible, requested_by, requested_by_id, document_name, document_digest, extract, \
             attachments, days, immediately_executive, state, findings, privacy_findings, created_at, \
             protocol_ref, act_label) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, 'requested', \
             $15, $16, $17, $18, $19) RETURNING id",
        )
        .bind(e.ente_id)
        .bind(e.act_type)
        .bind(e.subject)
        .bind(e.act_number)
        .bind(e.act_date)
        .bind(e.requester)
        .bind(e.responsible)
        .bind(e.requested_by)
        .bind(e.requested_by_id)
        .bind(e.document_name)
        .bind(e.document_digest)
        .bind(e.attachments)
        .bind(e.days)
        .bind(i64::from(e.immediately_executive))
        .bind(e.findings)
        .bind(e.privacy_findings)
        .bind(now_ms)
        .bind(e.protocol_ref)
        .bind(e.act_label)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        Self::albo_digest(&mut tx, e.ente_id, e.document_digest, id).await?;
        for digest in e.attachment_digests {
            Self::albo_digest(&mut tx, e.ente_id, digest, id).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Inside `tx`: records that entry `id` holds a document with this digest.
    async fn albo_digest(
        tx: &mut Tx,
        ente_id: i64,
        digest: &str,
        id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO albo_digests (ente_id, digest, entry_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(ente_id)
        .bind(digest)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Inside `tx`: publishes a request with its number and period (once: whether it was
    /// still a request of this ente), gives it its place in the register and indexes its
    /// words. The register's one `albo_order` row stays locked until the transaction ends, so
    /// keys follow the order of publication (publications are an officer's act: few).
    pub async fn albo_publish(
        tx: &mut Tx,
        ente_id: i64,
        id: i64,
        p: &AlboPublication<'_>,
    ) -> Result<bool, StoreError> {
        let (extract, name, digest, findings, count) = match p.extract {
            Some((name, digest, findings, count)) => {
                (1, Some(name), Some(digest), Some(findings), Some(count))
            }
            None => (0, None, None, None, None),
        };
        let done = sqlx::query(
            "UPDATE albo_entries SET state = 'published', year = $1, number = $2, published_by = $3, \
             published_by_id = $4, start_ms = $5, end_ms = $6, extract = $7, \
             document_name = COALESCE($8, document_name), document_digest = COALESCE($9, document_digest), \
             findings = COALESCE($10, findings), privacy_findings = COALESCE($11, privacy_findings) \
             WHERE id = $12 AND ente_id = $13 AND state = 'requested'",
        )
        .bind(p.year)
        .bind(p.number)
        .bind(p.published_by)
        .bind(p.published_by_id)
        .bind(p.start_ms)
        .bind(p.end_ms)
        .bind(extract)
        .bind(name)
        .bind(digest)
        .bind(findings)
        .bind(count)
        .bind(id)
        .bind(ente_id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let key: i64 = sqlx::query_scalar(
            "UPDATE albo_order SET last_key = CASE WHEN last_key + 1 > $1 THEN last_key + 1 ELSE $1 END \
             WHERE id = 1 RETURNING last_key",
        )
        .bind(p.start_ms.saturating_mul(10_000))
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("UPDATE albo_entries SET board_key = $1 WHERE id = $2")
            .bind(key)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Self::albo_index_words(tx, "=", id).await?;
        if let Some(digest) = digest {
            Self::albo_digest(tx, ente_id, digest, id).await?;
        }
        Ok(true)
    }

    /// Inside `tx`: indexes the words of the published entry `id` (`from` is `=`), or of every
    /// published entry from `id` on (`>=`). See `dialect::albo_words_sql`.
    async fn albo_index_words(tx: &mut Tx, from: &str, id: i64) -> Result<(), StoreError> {
        if crate::db::backend_of(tx) == crate::Backend::Postgres {
            sqlx::query(&crate::dialect::albo_words_sql(from))
                .bind(id)
                .execute(&mut **tx)
                .await?;
            return Ok(());
        }
        let rows = sqlx::query(&format!(
            "SELECT board_key, ente_id, subject, requester, act_number || ' ' || replace(act_type, '-', ' ') \
             AS act_number FROM albo_entries \
             WHERE id {from} $1 AND board_key IS NOT NULL ORDER BY board_key"
        ))
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        // In rowid order: FTS5 flushes its buffer whenever a rowid goes back.
        for r in rows {
            let stems = |column: &str| -> Result<String, StoreError> {
                Ok(crate::dialect::italian_stems(&r.try_get::<String, _>(column)?).join(" "))
            };
            sqlx::query(
                "INSERT INTO albo_text (rowid, subject, requester, act_number, ente) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(r.try_get::<i64, _>("board_key")?)
            .bind(stems("subject")?)
            .bind(stems("requester")?)
            .bind(stems("act_number")?)
            .bind(format!("e{}", r.try_get::<i64, _>("ente_id")?))
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// SQLite: writes the albo's words afresh when a migration asked for it (the one row of
    /// `albo_order` says which way of writing them the index holds).
    pub(crate) async fn albo_restem(&self) -> Result<(), StoreError> {
        const STEMS: i64 = 1;
        let version = "SELECT text_version FROM albo_order WHERE id = 1";
        // Read first: on every other start there is nothing to write, and no write to begin.
        let current: Option<i64> = sqlx::query_scalar(version)
            .fetch_optional(self.reader())
            .await?;
        if current.is_none_or(|v| v >= STEMS) {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let current: Option<i64> = sqlx::query_scalar(version).fetch_optional(&mut *tx).await?;
        if current.is_some_and(|v| v < STEMS) {
            sqlx::query("DELETE FROM albo_text")
                .execute(&mut *tx)
                .await?;
            Self::albo_index_words(&mut tx, ">=", 0).await?;
            sqlx::query("UPDATE albo_order SET text_version = $1 WHERE id = 1")
                .bind(STEMS)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Inside `tx`: appends an event to the ente's chain. `chain` is given the event's
    /// sequence number and the previous link and returns this event's link. The head's row
    /// stays locked until the transaction ends: the chain has one order.
    #[allow(clippy::too_many_arguments)]
    pub async fn albo_append(
        tx: &mut Tx,
        ente_id: i64,
        kind: &str,
        entry: &str,
        detail: &str,
        at_ms: i64,
        genesis: &str,
        chain: impl FnOnce(i64, &str) -> String,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO albo_heads (ente_id, seq, hash) VALUES ($1, 1, $2) \
             ON CONFLICT (ente_id) DO UPDATE SET seq = albo_heads.seq + 1 \
             RETURNING seq, hash",
        )
        .bind(ente_id)
        .bind(genesis)
        .fetch_one(&mut **tx)
        .await?;
        let seq: i64 = row.try_get("seq")?;
        let previous: String = row.try_get("hash")?;
        let hash = chain(seq, &previous);
        sqlx::query(
            "INSERT INTO albo_events (ente_id, seq, kind, entry, detail, at_ms, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ente_id)
        .bind(seq)
        .bind(kind)
        .bind(entry)
        .bind(detail)
        .bind(at_ms)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE albo_heads SET hash = $1 WHERE ente_id = $2")
            .bind(&hash)
            .bind(ente_id)
            .execute(&mut **tx)
            .await?;
        Ok(seq)
    }

    /// Inside `tx`: records a heartbeat at `now_ms` unless the last is less than `interval_ms`
    /// old (the head is made if the albo has none yet). `None`: not recorded (too soon, or
    /// another process did); otherwise the previous beat, `None` inside the first time.
    pub async fn albo_beat(
        tx: &mut Tx,
        ente_id: i64,
        now_ms: i64,
        interval_ms: i64,
        genesis: &str,
    ) -> Result<Option<Option<i64>>, StoreError> {
        sqlx::query(
            "INSERT INTO albo_heads (ente_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (ente_id) DO NOTHING",
        )
        .bind(ente_id)
        .bind(genesis)
        .execute(&mut **tx)
        .await?;
        // The right-hand sides read the row as it was: the previous beat is kept beside the new.
        let row = sqlx::query(
            "UPDATE albo_heads SET previous_beat_ms = last_beat_ms, last_beat_ms = $1 \
             WHERE ente_id = $2 AND (last_beat_ms IS NULL OR last_beat_ms <= $3) \
             RETURNING previous_beat_ms AS previous",
        )
        .bind(now_ms)
        .bind(ente_id)
        .bind(now_ms.saturating_sub(interval_ms))
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| r.try_get::<Option<i64>, _>("previous"))
            .transpose()
            .map_err(Into::into)
    }

    /// Inside `tx`: lengthens by `outage_ms` every period of the ente that was running during
    /// the outage ending at `now_ms` (published, started before it ended and not yet over when
    /// it began). The entries lengthened, as `year/number`.
    pub async fn albo_lengthen(
        tx: &mut Tx,
        ente_id: i64,
        outage_start_ms: i64,
        now_ms: i64,
        outage_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "UPDATE albo_entries SET end_ms = end_ms + $1, outage_ms = outage_ms + $1 \
             WHERE ente_id = $2 AND state = 'published' AND start_ms < $3 AND end_ms > $4 \
             RETURNING year, number",
        )
        .bind(outage_ms)
        .bind(ente_id)
        .bind(now_ms)
        .bind(outage_start_ms)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("year")?, r.try_get("number")?)))
            .collect()
    }
}

impl TenantStore<'_> {
    /// One of the ente's entries (or requests) by its id.
    pub async fn albo_by_id(&self, id: i64) -> Result<Option<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The ente's published entries (online, annulled or over) that hold a document with this
    /// SHA-256 (lowercase hex, checked by the caller): the act, an attachment, or the relata.
    pub async fn albo_by_digest(&self, digest: &str) -> Result<Vec<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {} FROM albo_digests d JOIN albo_entries e ON e.id = d.entry_id \
             WHERE d.ente_id = $1 AND d.digest = $2 AND e.ente_id = $1 AND e.board_key IS NOT NULL \
             ORDER BY e.board_key LIMIT 20",
            entry_columns_of_e()
        ))
        .bind(self.ente().get())
        .bind(digest)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The office's view: the requests waiting (and those sent back), oldest first, then the
    /// latest publications newest first — each part read through its index and bounded by
    /// `limit`, never the ente's whole history sorted.
    pub async fn albo_desk(&self, limit: i64) -> Result<Vec<AlboEntryRow>, StoreError> {
        let mut rows = sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 \
             AND state IN ('requested', 'returned') ORDER BY state, created_at, id LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?;
        let published = sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 \
             AND board_key IS NOT NULL ORDER BY board_key DESC LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?;
        rows.extend(published);
        Ok(rows)
    }

    /// The ente's request or entry made from a protocol registration (`protocol_ref`), unless
    /// it was sent back.
    pub async fn albo_by_protocol_ref(
        &self,
        protocol_ref: &str,
    ) -> Result<Option<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 AND protocol_ref = $2 \
             AND state <> 'returned' ORDER BY id LIMIT 1"
        ))
        .bind(self.ente().get())
        .bind(protocol_ref)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// One of the ente's entries by its register number.
    pub async fn albo_entry(
        &self,
        year: i64,
        number: i64,
    ) -> Result<Option<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 AND year = $2 AND number = $3"
        ))
        .bind(self.ente().get())
        .bind(year)
        .bind(number)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The board: entries online at `now_ms` (published or annulled — an annulled entry stays
    /// listed as annulled until its period ends), or — `history` — every entry ever published
    /// (the historic register), newest first, filtered and paged as asked.
    ///
    /// No statement reads more than a page needs beyond what is online now:
    /// - the board reads the few entries whose period has not ended ((ente, state, end)) and,
    ///   for a search, checks each one's words through the index at that entry;
    /// - the register walks the ente's entries newest first ((ente, board_key), or (ente, type,
    ///   board_key)) and stops at the page's end;
    /// - a search of the register walks the words' matches newest first and stops at the
    ///   page's end: SQLite's FTS5 rows are keyed by `board_key` and read `ORDER BY rowid DESC`
    ///   (FTS5 intersects the words itself); PostgreSQL walks the rarest stem's rows in
    ///   `albo_words` and checks the others by their primary key.
    pub async fn albo_list(
        &self,
        now_ms: i64,
        history: bool,
        q: &AlboQuery,
    ) -> Result<Vec<AlboEntryRow>, StoreError> {
        enum Bind<'a> {
            Int(i64),
            Text(&'a str),
            Owned(String),
        }
        let backend = self.store().backend();
        let ente = self.ente().get();
        let words = crate::dialect::albo_typed_words(&q.words);
        // PostgreSQL: the query's stems, rarest first (each counted up to 100 through the
        // primary key), so the walk starts from the fewest rows. A stem no entry has: nothing.
        let mut driver: Option<String> = None;
        if !words.is_empty() && backend == crate::Backend::Postgres {
            let stems = sqlx::query(
                "SELECT w, (SELECT count(*) FROM (SELECT 1 FROM albo_words a \
                 WHERE a.ente_id = $1 AND a.word = w LIMIT 100) s) AS n \
                 FROM unnest(tsvector_to_array(to_tsvector('italian', $2))) AS w ORDER BY n, w",
            )
            .bind(ente)
            .bind(words.join(" "))
            .fetch_all(self.store().reader())
            .await?;
            if let Some(first) = stems.first() {
                if first.try_get::<i64, _>("n")? == 0 {
                    return Ok(Vec::new());
                }
                driver = Some(first.try_get("w")?);
            }
        }
        let fts = crate::dialect::albo_fts_match(&words, Some(ente));
        let (searching, text) = match backend {
            crate::Backend::Sqlite => (fts.is_some(), fts.unwrap_or_default()),
            crate::Backend::Postgres => (driver.is_some(), words.join(" ")),
        };
        let walk_words = history && searching;
        let mut binds = vec![Bind::Int(ente)];
        let mut sql = format!("SELECT {} FROM ", entry_columns_of_e());
        if walk_words {
            match backend {
                crate::Backend::Sqlite => {
                    binds.push(Bind::Text(&text));
                    sql.push_str(
                        "albo_text t JOIN albo_entries e ON e.ente_id = $1 AND e.board_key = t.rowid \
                         WHERE albo_text MATCH $2",
                    );
                }
                crate::Backend::Postgres => {
                    binds.push(Bind::Owned(driver.clone().unwrap_or_default()));
                    binds.push(Bind::Text(&text));
                    sql.push_str(
                        "albo_words t JOIN albo_entries e ON e.ente_id = t.ente_id AND e.board_key = t.board_key \
                         WHERE t.ente_id = $1 AND t.word = $2 ",
                    );
                    sql.push_str(&crate::dialect::albo_holds_words(backend, 3, ""));
                }
            }
            sql.push_str(" AND e.ente_id = $1");
        } else {
            sql.push_str("albo_entries e WHERE e.ente_id = $1");
        }
        fn add<'a>(sql: &mut String, binds: &mut Vec<Bind<'a>>, condition: &str, bind: Bind<'a>) {
            binds.push(bind);
            sql.push_str(&condition.replace('?', &format!("${}", binds.len())));
        }
        if history {
            sql.push_str(" AND e.state IN ('published', 'annulled', 'ended')");
        } else {
            sql.push_str(" AND e.state IN ('published', 'annulled')");
            add(
                &mut sql,
                &mut binds,
                " AND e.end_ms >= ?",
                Bind::Int(now_ms),
            );
            // `+`: not through the register's order, which would walk the whole history.
            add(
                &mut sql,
                &mut binds,
                " AND +e.start_ms <= ?",
                Bind::Int(now_ms),
            );
        }
        if let Some(t) = q.act_type.as_deref() {
            add(&mut sql, &mut binds, " AND e.act_type = ?", Bind::Text(t));
        }
        if let Some(y) = q.year {
            add(&mut sql, &mut binds, " AND e.year = ?", Bind::Int(y));
        }
        if let Some(n) = q.number {
            add(&mut sql, &mut binds, " AND e.number = ?", Bind::Int(n));
        }
        if let Some(key) = q.before {
            let column = match (walk_words, backend) {
                (true, crate::Backend::Sqlite) => " AND t.rowid < ?",
                (true, crate::Backend::Postgres) => " AND t.board_key < ?",
                (false, _) => " AND e.board_key < ?",
            };
            add(&mut sql, &mut binds, column, Bind::Int(key));
        }
        if searching && !walk_words {
            // The board: its few entries, and the words' matches from the oldest of them on.
            binds.push(Bind::Text(&text));
            sql.push(' ');
            sql.push_str(&crate::dialect::albo_holds_words(
                backend,
                binds.len(),
                "SELECT MIN(+board_key) FROM albo_entries WHERE ente_id = $1 \
                 AND state IN ('published', 'annulled') AND end_ms >= $2",
            ));
        }
        sql.push_str(match (walk_words, backend, history) {
            (true, crate::Backend::Sqlite, _) => " ORDER BY t.rowid DESC",
            (true, crate::Backend::Postgres, _) => " ORDER BY t.board_key DESC",
            (false, _, true) => " AND e.board_key IS NOT NULL ORDER BY e.board_key DESC",
            (false, _, false) => " ORDER BY +e.board_key DESC",
        });
        binds.push(Bind::Int(q.limit.clamp(1, 201)));
        sql.push_str(&format!(" LIMIT ${}", binds.len()));
        let mut query = sqlx::query_as::<_, AlboEntryRow>(&sql);
        for b in binds {
            query = match b {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
                Bind::Owned(v) => query.bind(v),
            };
        }
        Ok(query.fetch_all(self.store().reader()).await?)
    }

    /// The ente's chain from its first event.
    pub async fn albo_events(&self) -> Result<Vec<AlboEventRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEventRow>(
            "SELECT seq, kind, entry, detail, at_ms, hash FROM albo_events WHERE ente_id = $1 ORDER BY seq",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's choices for the region's types it has set: `(act type, days, in use)`.
    pub async fn albo_periods(&self) -> Result<Vec<(String, i64, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT act_type, days, in_use FROM albo_periods WHERE ente_id = $1 ORDER BY act_type",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("act_type")?,
                    r.try_get("days")?,
                    r.try_get::<i64, _>("in_use")? != 0,
                ))
            })
            .collect()
    }

    /// The ente's own act types, by label.
    pub async fn albo_own_types(&self) -> Result<Vec<AlboOwnType>, StoreError> {
        Ok(sqlx::query_as::<_, AlboOwnType>(
            "SELECT code, label, days, in_use FROM albo_own_types WHERE ente_id = $1 ORDER BY label, code",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Adds an act type of the ente's own (checked by the caller); false if its code exists.
    pub async fn albo_add_own_type(
        &self,
        t: &AlboOwnType,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let added = sqlx::query(
            "INSERT INTO albo_own_types (ente_id, code, label, days, in_use, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ente_id, code) DO NOTHING",
        )
        .bind(self.ente().get())
        .bind(&t.code)
        .bind(&t.label)
        .bind(t.days)
        .bind(t.in_use)
        .bind(by)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?;
        Ok(added.rows_affected() == 1)
    }

    /// Sets the ente's periods and which types it uses (checked by the caller against the
    /// law), all at once: `(act type, days, in use, the ente's own)`, the region's types in
    /// `albo_periods`, its own in `albo_own_types`.
    pub async fn albo_set_periods(
        &self,
        periods: &[(&str, i64, bool, bool)],
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin().await?;
        for (act_type, days, in_use, own) in periods {
            let sql = if *own {
                "UPDATE albo_own_types SET days = $3, in_use = $4, updated_by = $5, updated_at = $6 \
                 WHERE ente_id = $1 AND code = $2"
            } else {
                "INSERT INTO albo_periods (ente_id, act_type, days, in_use, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ente_id, act_type) DO UPDATE \
                 SET days = $3, in_use = $4, updated_by = $5, updated_at = $6"
            };
            sqlx::query(sql)
                .bind(self.ente().get())
                .bind(*act_type)
                .bind(*days)
                .bind(i64::from(*in_use))
                .bind(by)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The chain's events about one entry.
    pub async fn albo_entry_events(&self, entry: &str) -> Result<Vec<AlboEventRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEventRow>(
            "SELECT seq, kind, entry, detail, at_ms, hash FROM albo_events \
             WHERE ente_id = $1 AND entry = $2 ORDER BY seq",
        )
        .bind(self.ente().get())
        .bind(entry)
        .fetch_all(self.store().reader())
        .await?)
    }
}

impl Store {
    /// Inside `tx`: annuls a published entry (it stays listed, marked annulled). Whether it was.
    pub async fn albo_annul(
        tx: &mut Tx,
        ente_id: i64,
        id: i64,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE albo_entries SET state = 'annulled', annulment_reason = $1 \
             WHERE id = $2 AND ente_id = $3 AND state = 'published'",
        )
        .bind(reason)
        .bind(id)
        .bind(ente_id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sends a request back to the office with the reason (once: whether it was still a
    /// request of this ente).
    pub async fn albo_return(
        &self,
        ente_id: i64,
        id: i64,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE albo_entries SET state = 'returned', return_reason = $1 \
             WHERE id = $2 AND ente_id = $3 AND state = 'requested'",
        )
        .bind(reason)
        .bind(id)
        .bind(ente_id)
        .execute(&self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Inside `tx`: moves a published entry's end to `end_ms` (later only). Whether it moved.
    pub async fn albo_extend(
        tx: &mut Tx,
        ente_id: i64,
        id: i64,
        end_ms: i64,
        days: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE albo_entries SET end_ms = $1, days = $2 \
             WHERE id = $3 AND ente_id = $4 AND state = 'published' AND end_ms < $1",
        )
        .bind(end_ms)
        .bind(days)
        .bind(id)
        .bind(ente_id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Inside `tx`: an entry's period is over: `ended`, with its relata's digest and protocol
    /// number. Whether it was still running (an entry ends once).
    pub async fn albo_end(
        tx: &mut Tx,
        ente_id: i64,
        id: i64,
        relata_digest: &str,
        relata_registration: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE albo_entries SET state = 'ended', relata_digest = $1, relata_registration = $2 \
             WHERE id = $3 AND ente_id = $4 AND state IN ('published', 'annulled')",
        )
        .bind(relata_digest)
        .bind(relata_registration)
        .bind(id)
        .bind(ente_id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        Self::albo_digest(tx, ente_id, relata_digest, id).await?;
        Ok(true)
    }
}

impl RegionWide<'_> {
    /// Entries whose period is over at `now_ms` and not yet closed, oldest first (the jobs).
    pub async fn albo_due_to_end(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE state IN ('published', 'annulled') \
             AND end_ms < $1 ORDER BY end_ms, id LIMIT $2"
        ))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The enti with an entry online at `now_ms` (the heartbeat visits them).
    pub async fn albo_enti_online(
        &self,
        now_ms: i64,
    ) -> Result<Vec<sportello_domain::tenancy::EnteId>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT ente_id FROM albo_entries WHERE state = 'published' \
             AND start_ms <= $1 AND end_ms >= $1 ORDER BY ente_id",
        )
        .bind(now_ms)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(sportello_domain::tenancy::EnteId::from_stored(
                    r.try_get("ente_id")?,
                ))
            })
            .collect()
    }

    /// Entries online at `now_ms` in every ente, newest first (the regional feed and search):
    /// what is online is read through (state, end) and each entry's words checked at its place
    /// in the index, so the cost follows what is online, not the region's history.
    pub async fn albo_region(
        &self,
        now_ms: i64,
        q: &AlboQuery,
    ) -> Result<Vec<AlboEntryRow>, StoreError> {
        let backend = self.store.backend();
        let words = crate::dialect::albo_typed_words(&q.words);
        let text = match backend {
            crate::Backend::Sqlite => crate::dialect::albo_fts_match(&words, None),
            crate::Backend::Postgres => (!words.is_empty()).then(|| words.join(" ")),
        };
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries e WHERE state = 'published' \
             AND +start_ms <= $1 AND end_ms >= $1 AND ($2 IS NULL OR act_type = $2) {} \
             ORDER BY +board_key DESC LIMIT $4",
            if text.is_none() {
                "AND CAST($3 AS TEXT) IS NULL".to_string()
            } else {
                crate::dialect::albo_holds_words(
                    backend,
                    3,
                    "SELECT MIN(+board_key) FROM albo_entries WHERE state = 'published' AND end_ms >= $1",
                )
            }
        );
        Ok(sqlx::query_as::<_, AlboEntryRow>(&sql)
            .bind(now_ms)
            .bind(q.act_type.as_deref())
            .bind(text)
            .bind(q.limit.clamp(1, 200))
            .fetch_all(self.store.reader())
            .await?)
    }
}

/// An act for the benchmark's bulk path (`sportello bench albo`): published, with its number
/// and period, written many at a time without the chain.
#[derive(Debug, Clone)]
pub struct BulkAlboAct {
    pub ente_id: i64,
    pub year: i64,
    pub number: i64,
    pub act_type: &'static str,
    pub subject: String,
    pub requester: &'static str,
    pub start_ms: i64,
    pub end_ms: i64,
    pub state: &'static str,
    /// Its place in the register (unique; higher is newer).
    pub board_key: i64,
}

impl Store {
    /// Writes acts in bulk (one transaction), with their words and digests.
    pub async fn albo_bulk_insert(&self, acts: &[BulkAlboAct]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let numbered = crate::filing::numbered(&tx);
        let mut first_id: Option<i64> = None;
        for range in crate::filing::row_chunks(acts.len()) {
            let sql = format!(
                "INSERT INTO albo_entries (ente_id, year, number, act_type, subject, act_number, \
                 requester, responsible, requested_by, requested_by_id, published_by, published_by_id, \
                 document_name, document_digest, extract, attachments, days, start_ms, end_ms, \
                 immediately_executive, state, findings, privacy_findings, created_at, board_key) VALUES {} \
                 RETURNING id",
                crate::filing::values_clause(range.len(), 25, numbered)
            );
            let mut q = sqlx::query(&sql);
            for a in acts.get(range).unwrap_or_default() {
                q = q
                    .bind(a.ente_id)
                    .bind(a.year)
                    .bind(a.number)
                    .bind(a.act_type)
                    .bind(a.subject.as_str())
                    .bind("")
                    .bind(a.requester)
                    .bind("Responsabile")
                    .bind("bench")
                    .bind(0i64)
                    .bind("bench")
                    .bind(1i64)
                    .bind("atto.pdf")
                    .bind("0000000000000000000000000000000000000000000000000000000000000000")
                    .bind(0i64)
                    .bind("[]")
                    .bind(15i64)
                    .bind(a.start_ms)
                    .bind(a.end_ms)
                    .bind(0i64)
                    .bind(a.state)
                    .bind("[]")
                    .bind(0i64)
                    .bind(a.start_ms)
                    .bind(a.board_key);
            }
            let rows = q.fetch_all(&mut *tx).await?;
            if first_id.is_none() {
                first_id = rows.first().map(|r| r.try_get("id")).transpose()?;
            }
        }
        if let Some(first) = first_id {
            Self::albo_index_words(&mut tx, ">=", first).await?;
            sqlx::query(
                "INSERT INTO albo_digests (ente_id, digest, entry_id) \
                 SELECT ente_id, document_digest, id FROM albo_entries WHERE id >= $1",
            )
            .bind(first)
            .execute(&mut *tx)
            .await?;
            let last = acts.iter().map(|a| a.board_key).max().unwrap_or(0);
            sqlx::query("UPDATE albo_order SET last_key = $1 WHERE id = 1 AND last_key < $1")
                .bind(last)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a bulk load, what an operator does once: PostgreSQL's statistics brought up to
    /// date (it plans by them; autovacuum would get there later); SQLite's full-text index
    /// merged into one segment (FTS5 merges the small segments of ordinary publications by
    /// itself; a bulk load leaves many large ones, and every search seeks in each) and its
    /// write-ahead log checkpointed.
    pub async fn albo_after_bulk_load(&self) -> Result<(), StoreError> {
        let statements: &[&str] = match self.backend() {
            crate::Backend::Postgres => &["ANALYZE albo_entries, albo_words, albo_digests"],
            // And the write-ahead log folded back into the database: a log of a bulk load's
            // size slows every read that must look through it.
            crate::Backend::Sqlite => &[
                "INSERT INTO albo_text (albo_text) VALUES ('optimize')",
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ],
        };
        for sql in statements {
            sqlx::query(sql).execute(&self.write_pool()).await?;
        }
        Ok(())
    }
}
