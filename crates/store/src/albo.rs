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
    pub days: i64,
    pub immediately_executive: bool,
    /// JSON list of what the privacy check found.
    pub findings: &'a str,
    pub privacy_findings: i64,
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
     relata_registration, created_at";

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
    /// Entries newer than this `(start_ms, id)` are skipped: keyset paging, newest first.
    pub before: Option<(i64, i64)>,
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
             attachments, days, immediately_executive, state, findings, privacy_findings, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, 'requested', \
             $15, $16, $17) RETURNING id",
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
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        if let Some(sql) = crate::dialect::albo_index_sql(self.backend()) {
            sqlx::query(sql)
                .bind(id)
                .bind(e.subject)
                .bind(e.requester)
                .bind(e.act_number)
                .bind(format!("e{}", e.ente_id))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Inside `tx`: publishes a request with its number and period (once: whether it was
    /// still a request of this ente).
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
        Ok(done.rows_affected() == 1)
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
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 AND state <> 'requested' \
             AND (document_digest = $2 OR relata_digest = $2 OR attachments LIKE $3) \
             ORDER BY start_ms, id LIMIT 20"
        ))
        .bind(self.ente().get())
        .bind(digest)
        .bind(format!("%\"{digest}\"%"))
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The office's view: requests waiting, then what is online or ended, newest first.
    pub async fn albo_desk(&self, limit: i64) -> Result<Vec<AlboEntryRow>, StoreError> {
        Ok(sqlx::query_as::<_, AlboEntryRow>(&format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries WHERE ente_id = $1 \
             ORDER BY CASE WHEN state = 'requested' THEN 0 ELSE 1 END, COALESCE(start_ms, created_at) DESC, id DESC \
             LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
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
    /// The statement has only the conditions asked for, each where an index can serve it: the
    /// board reads the few entries whose period has not ended (ente, state, end); the register
    /// walks the ente's entries newest first (ente, start) — or (ente, type, start) — and stops
    /// at the page's end; a search starts from the words' matches (SQLite: the ente's own, by
    /// its token) and sorts those alone.
    pub async fn albo_list(
        &self,
        now_ms: i64,
        history: bool,
        q: &AlboQuery,
    ) -> Result<Vec<AlboEntryRow>, StoreError> {
        enum Bind<'a> {
            Int(i64),
            Text(&'a str),
        }
        let backend = self.store().backend();
        let words = crate::dialect::albo_match(backend, &q.words, Some(self.ente().get()));
        let mut binds = vec![Bind::Int(self.ente().get())];
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM albo_entries e WHERE ente_id = $1");
        fn add<'a>(sql: &mut String, binds: &mut Vec<Bind<'a>>, condition: &str, bind: Bind<'a>) {
            binds.push(bind);
            sql.push_str(&condition.replace('?', &format!("${}", binds.len())));
        }
        if history {
            sql.push_str(" AND state IN ('published', 'annulled', 'ended')");
        } else {
            sql.push_str(" AND state IN ('published', 'annulled')");
            add(&mut sql, &mut binds, " AND end_ms >= ?", Bind::Int(now_ms));
            // `+`: not through the (ente, start) index, which would walk the whole history.
            add(
                &mut sql,
                &mut binds,
                " AND +start_ms <= ?",
                Bind::Int(now_ms),
            );
        }
        if let Some(t) = q.act_type.as_deref() {
            add(&mut sql, &mut binds, " AND act_type = ?", Bind::Text(t));
        }
        if let Some(y) = q.year {
            add(&mut sql, &mut binds, " AND year = ?", Bind::Int(y));
        }
        if let Some(n) = q.number {
            add(&mut sql, &mut binds, " AND number = ?", Bind::Int(n));
        }
        if let Some((start, id)) = q.before {
            add(&mut sql, &mut binds, " AND (start_ms < ?", Bind::Int(start));
            add(&mut sql, &mut binds, " OR (start_ms = ?", Bind::Int(start));
            add(&mut sql, &mut binds, " AND id < ?))", Bind::Int(id));
        }
        if let Some(w) = words.as_deref() {
            let n = binds.len() + 1;
            sql.push(' ');
            sql.push_str(&crate::dialect::albo_search_clause(backend, n));
            binds.push(Bind::Text(w));
        }
        // Newest first: through the (ente, start) index for the register's plain pages; from
        // the few matching rows, sorted, for the board and for searches.
        let walk = history && words.is_none();
        sql.push_str(if walk {
            " ORDER BY start_ms DESC, id DESC"
        } else {
            " ORDER BY +start_ms DESC, +id DESC"
        });
        binds.push(Bind::Int(q.limit.clamp(1, 200)));
        sql.push_str(&format!(" LIMIT ${}", binds.len()));
        let mut query = sqlx::query_as::<_, AlboEntryRow>(&sql);
        for b in binds {
            query = match b {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
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
        Ok(done.rows_affected() == 1)
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

    /// Entries online at `now_ms` in every ente, newest first (the regional feed and search).
    pub async fn albo_region(
        &self,
        now_ms: i64,
        q: &AlboQuery,
    ) -> Result<Vec<AlboEntryRow>, StoreError> {
        let backend = self.store.backend();
        let words = crate::dialect::albo_match(backend, &q.words, None);
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM albo_entries e WHERE state = 'published' \
             AND start_ms <= $1 AND end_ms >= $1 AND ($2 IS NULL OR act_type = $2) {} \
             ORDER BY start_ms DESC, id DESC LIMIT $4",
            if words.is_some() {
                crate::dialect::albo_search_clause(backend, 3)
            } else {
                "AND CAST($3 AS TEXT) IS NULL".to_string()
            }
        );
        Ok(sqlx::query_as::<_, AlboEntryRow>(&sql)
            .bind(now_ms)
            .bind(q.act_type.as_deref())
            .bind(words)
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
}

impl Store {
    /// Writes acts in bulk (one transaction), and their words for SQLite's search.
    pub async fn albo_bulk_insert(&self, acts: &[BulkAlboAct]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let numbered = crate::filing::numbered(&tx);
        let mut first_id: Option<i64> = None;
        for range in crate::filing::row_chunks(acts.len()) {
            let sql = format!(
                "INSERT INTO albo_entries (ente_id, year, number, act_type, subject, act_number, \
                 requester, responsible, requested_by, requested_by_id, published_by, published_by_id, \
                 document_name, document_digest, extract, attachments, days, start_ms, end_ms, \
                 immediately_executive, state, findings, privacy_findings, created_at) VALUES {} \
                 RETURNING id",
                crate::filing::values_clause(range.len(), 24, numbered)
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
                    .bind(a.start_ms);
            }
            let rows = q.fetch_all(&mut *tx).await?;
            if first_id.is_none() {
                first_id = rows.first().map(|r| r.try_get("id")).transpose()?;
            }
        }
        if let (Some(first), Some(_)) = (first_id, crate::dialect::albo_index_sql(self.backend())) {
            sqlx::query(
                "INSERT INTO albo_text (rowid, subject, requester, act_number, ente) \
                 SELECT id, subject, requester, act_number, 'e' || ente_id FROM albo_entries \
                 WHERE id >= $1",
            )
            .bind(first)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
