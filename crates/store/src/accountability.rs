//! Accountability's counts (issue 19): cases by service and month, moved in the transactions
//! that file and conclude them; the region's sums, rolled up on schedule; residents' ratings,
//! kept anonymous. A dashboard reads these counts, never the cases.

use sportello_domain::accountability::rating::Subject;
use sportello_domain::accountability::{CaseTime, Channel, MonthCounts};
use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::{RegionWide, Store, StoreError, TenantStore, TenantTx, Tx};

/// One service's counts in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMonthRow {
    pub service_id: String,
    pub month: i64,
    pub counts: MonthCounts,
    /// The days its decisions took: (days, cases).
    pub days: Vec<(i64, i64)>,
}

/// What a conclusion adds: a decision's time, or a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    Decided(CaseTime),
    Withdrawn,
}

/// One group of filings of a batch: an ente's service, a month, a channel, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FilingCount<'a> {
    pub ente: EnteId,
    pub service_id: &'a str,
    pub month: i64,
    pub channel: Channel,
    pub filings: i64,
    /// When (Unix ms).
    pub at_ms: i64,
}

const MONTH_COLUMNS: &str = "service_id, month, filed_online, filed_assisted, filed_intermediary, \
                             decided, within_term, silent, withdrawn, days_hist";

/// The statement that sets month rows' histograms of days (`days_hist`, «days:cases» pairs
/// joined by commas) from their days rows: of the ente's rows, or of the region's, those that
/// `filter` picks (a `WHERE` clause, or nothing for all).
fn set_days_hist(backend: crate::db::Backend, region: bool, filter: &str) -> String {
    let pairs = "CAST(d.days AS TEXT) || ':' || CAST(d.cases AS TEXT)";
    let agg = match backend {
        crate::db::Backend::Sqlite => format!("group_concat({pairs}, ',')"),
        crate::db::Backend::Postgres => format!("string_agg({pairs}, ',' ORDER BY d.days)"),
    };
    let (months, days, ente) = if region {
        ("region_case_months", "region_case_month_days", "")
    } else {
        (
            "case_months",
            "case_month_days",
            "d.ente_id = case_months.ente_id AND ",
        )
    };
    format!(
        "UPDATE {months} SET days_hist = COALESCE((SELECT {agg} FROM {days} d WHERE {ente}\
         d.service_id = {months}.service_id AND d.month = {months}.month), '') {filter}"
    )
}

/// A month row's histogram of days, read back: (days, cases), in any order. One pass over the
/// bytes: a dashboard reads a few hundred pairs a row at ten million cases.
pub(crate) fn parse_days_hist(text: &str) -> Result<Vec<(i64, i64)>, StoreError> {
    let bad = || StoreError::Db(sqlx::Error::Decode(format!("days_hist {text:?}").into()));
    let mut pairs = Vec::with_capacity(text.len() / 4);
    if text.is_empty() {
        return Ok(pairs);
    }
    let (mut days, mut n, mut digits) = (None, 0i64, 0u8);
    for b in text.bytes().chain(std::iter::once(b',')) {
        match b {
            // Eighteen digits at most: no overflow.
            b'0'..=b'9' if digits < 18 => {
                n = n * 10 + i64::from(b - b'0');
                digits += 1;
            }
            b':' if days.is_none() && digits > 0 => {
                days = Some(n);
                (n, digits) = (0, 0);
            }
            b',' if digits > 0 => {
                pairs.push((days.take().ok_or_else(bad)?, n));
                (n, digits) = (0, 0);
            }
            _ => return Err(bad()),
        }
    }
    Ok(pairs)
}

/// Days summed over many month rows: an array by days up to the cap, a map past it (none
/// the counts write, but nothing read is dropped).
#[derive(Default)]
struct DaysSum {
    dense: Vec<i64>,
    past: std::collections::BTreeMap<i64, i64>,
}

impl DaysSum {
    fn add(&mut self, days: i64, cases: i64) {
        let cap = usize::try_from(sportello_domain::accountability::times::DAYS_CAP).unwrap_or(0);
        match usize::try_from(days) {
            Ok(i) if i <= cap => {
                if self.dense.is_empty() {
                    self.dense = vec![0; cap + 1];
                }
                if let Some(n) = self.dense.get_mut(i) {
                    *n = n.saturating_add(cases);
                }
            }
            _ => {
                let n = self.past.entry(days).or_default();
                *n = n.saturating_add(cases);
            }
        }
    }

    /// (days, cases) of every duration with cases, shortest first.
    fn pairs(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        let below = self.past.range(..0).map(|(d, n)| (*d, *n));
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, n)| **n != 0)
            .map(|(d, n)| (i64::try_from(d).unwrap_or(i64::MAX), *n));
        let above = self.past.range(0..).map(|(d, n)| (*d, *n));
        below.chain(dense).chain(above)
    }
}

/// A month row as read; its histogram parsed only if `with_days`.
fn month_row(r: &sqlx::any::AnyRow, with_days: bool) -> Result<CaseMonthRow, StoreError> {
    Ok(CaseMonthRow {
        service_id: r.try_get("service_id")?,
        month: r.try_get("month")?,
        counts: MonthCounts {
            filed_online: r.try_get("filed_online")?,
            filed_assisted: r.try_get("filed_assisted")?,
            filed_intermediary: r.try_get("filed_intermediary")?,
            decided: r.try_get("decided")?,
            within_term: r.try_get("within_term")?,
            silent: r.try_get("silent")?,
            withdrawn: r.try_get("withdrawn")?,
        },
        days: if with_days {
            parse_days_hist(r.try_get("days_hist")?)?
        } else {
            Vec::new()
        },
    })
}

/// The cases a month's counts leave open: filings less conclusions.
fn opened(c: &MonthCounts) -> i64 {
    c.filed()
        .unwrap_or(0)
        .saturating_sub(c.concluded().unwrap_or(0))
}

/// Inside `tx`: moves an (ente, service)'s count of open cases by `n`.
async fn add_open(tx: &mut Tx, ente: i64, service: &str, n: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_open (ente_id, service_id, open) VALUES ($1, $2, $3) \
         ON CONFLICT (ente_id, service_id) DO UPDATE SET open = case_open.open + excluded.open",
    )
    .bind(ente)
    .bind(service)
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Inside `tx`: counts a batch's filings, one move of each (ente, service, month) row, in
    /// the rows' order (the caller sorts them, so two batches never wait on each other in
    /// turn).
    pub async fn count_filings(tx: &mut Tx, groups: &[FilingCount<'_>]) -> Result<(), StoreError> {
        for g in groups {
            let column = match g.channel {
                Channel::Online => "filed_online",
                Channel::Assisted => "filed_assisted",
                Channel::Intermediary => "filed_intermediary",
            };
            sqlx::query(&format!(
                "INSERT INTO case_months (ente_id, service_id, month, {column}, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (ente_id, service_id, month) DO UPDATE SET {column} = case_months.{column} + excluded.{column}, \
                 updated_at = excluded.updated_at"
            ))
            .bind(g.ente.get())
            .bind(g.service_id)
            .bind(g.month)
            .bind(g.filings)
            .bind(g.at_ms)
            .execute(&mut **tx)
            .await?;
        }
        // Then each (ente, service)'s open cases, in order too (every writer moves the month
        // rows before the totals, so none waits on another in turn).
        let mut open: std::collections::BTreeMap<(i64, &str), i64> = Default::default();
        for g in groups {
            let n = open.entry((g.ente.get(), g.service_id)).or_default();
            *n = n.saturating_add(g.filings);
        }
        for ((ente, service), n) in open {
            add_open(tx, ente, service, n).await?;
        }
        Ok(())
    }

    /// Rolls the region's sums up from every ente's counts, in one transaction: the region's
    /// dashboard then reads as few rows as one ente's.
    pub async fn roll_up_region_times(&self, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM region_case_months")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO region_case_months (service_id, month, filed_online, filed_assisted, filed_intermediary, \
             decided, within_term, silent, withdrawn) SELECT service_id, month, SUM(filed_online), SUM(filed_assisted), \
             SUM(filed_intermediary), SUM(decided), SUM(within_term), SUM(silent), SUM(withdrawn) \
             FROM case_months GROUP BY service_id, month",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM region_case_month_days")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO region_case_month_days (service_id, month, days, cases) \
             SELECT service_id, month, days, SUM(cases) FROM case_month_days GROUP BY service_id, month, days",
        )
        .execute(&mut *tx)
        .await?;
        let backend = crate::db::backend_of(&tx);
        sqlx::query(&set_days_hist(backend, true, ""))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM region_case_open")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO region_case_open (service_id, open) \
             SELECT service_id, SUM(open) FROM case_open GROUP BY service_id",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE accountability_state SET rolled_at = $1 WHERE id = 1")
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    /// When the region's sums were last rolled up (Unix ms; 0: never), and whether the cases
    /// filed before the counts existed were counted.
    pub async fn accountability_state(&self) -> Result<(i64, bool), StoreError> {
        let row = sqlx::query("SELECT rolled_at, counted FROM accountability_state WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        Ok((row.try_get(0)?, row.try_get::<i64, _>(1)? != 0))
    }

    /// Marks the cases filed before the counts as counted, once: false if another process did.
    pub async fn mark_counted(tx: &mut Tx) -> Result<bool, StoreError> {
        let moved =
            sqlx::query("UPDATE accountability_state SET counted = 1 WHERE id = 1 AND counted = 0")
                .execute(&mut **tx)
                .await?;
        Ok(moved.rows_affected() == 1)
    }

    /// Forgets which sessions rated which pages before `before_ms`.
    pub async fn forget_rating_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM rating_once WHERE at < $1")
            .bind(before_ms)
            .execute(&self.write_pool())
            .await?
            .rows_affected())
    }
}

impl TenantTx {
    /// Counts a case's conclusion in its month, inside the transaction that concludes it.
    pub async fn count_conclusion(
        &mut self,
        service_id: &str,
        month: i64,
        conclusion: Conclusion,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let ente = self.ente().get();
        let (decided, within, silent, withdrawn) = match conclusion {
            Conclusion::Decided(t) => (1i64, i64::from(t.within_term), i64::from(t.silent), 0i64),
            Conclusion::Withdrawn => (0, 0, 0, 1),
        };
        let tx = self.tx();
        sqlx::query(
            "INSERT INTO case_months (ente_id, service_id, month, decided, within_term, silent, withdrawn, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ente_id, service_id, month) DO UPDATE SET \
             decided = case_months.decided + excluded.decided, within_term = case_months.within_term + excluded.within_term, \
             silent = case_months.silent + excluded.silent, withdrawn = case_months.withdrawn + excluded.withdrawn, \
             updated_at = excluded.updated_at",
        )
        .bind(ente)
        .bind(service_id)
        .bind(month)
        .bind(decided)
        .bind(within)
        .bind(silent)
        .bind(withdrawn)
        .bind(at_ms)
        .execute(&mut **tx)
        .await?;
        add_open(tx, ente, service_id, -1).await?;
        // A silent consent is no decision of the office: it has no days of its own.
        if let Conclusion::Decided(t @ CaseTime { silent: false, .. }) = conclusion {
            sqlx::query(
                "INSERT INTO case_month_days (ente_id, service_id, month, days, cases) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (ente_id, service_id, month, days) DO UPDATE SET cases = case_month_days.cases + 1",
            )
            .bind(ente)
            .bind(service_id)
            .bind(month)
            .bind(t.days)
            .execute(&mut **tx)
            .await?;
            // The month's row, locked by the move above, takes its histogram whole.
            let backend = crate::db::backend_of(tx);
            sqlx::query(&set_days_hist(
                backend,
                false,
                "WHERE ente_id = $1 AND service_id = $2 AND month = $3",
            ))
            .bind(ente)
            .bind(service_id)
            .bind(month)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// Where a dashboard's counts come from: one ente's rows, or the region's sums.
enum Scope {
    Ente(EnteId),
    Region,
}

impl Scope {
    /// The month rows' table, the open cases' table, and the condition that picks the
    /// scope's rows (ending in `AND`), the same for both.
    fn tables(&self) -> (&'static str, &'static str, String) {
        match self {
            Scope::Ente(e) => (
                "case_months",
                "case_open",
                format!("ente_id = {} AND", e.get()),
            ),
            Scope::Region => ("region_case_months", "region_case_open", String::new()),
        }
    }
}

/// The counts a dashboard reads for months `from..=to`: each service's rows of those months,
/// the cases each service had open before `from` (filings less conclusions, summed by the
/// database), the days of the period's decisions by service, and the same by month (for the
/// trend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeCounts {
    pub months: Vec<CaseMonthRow>,
    pub open_before: Vec<(String, i64)>,
    /// Each service's histogram of the period: (service, [(days, cases)], shortest first).
    pub days_by_service: Vec<(String, Vec<(i64, i64)>)>,
    /// Each month's, every service together: (month, [(days, cases)]).
    pub days_by_month: Vec<(i64, Vec<(i64, i64)>)>,
    /// The whole period's, every service together.
    pub days_total: Vec<(i64, i64)>,
}

async fn time_counts(
    store: &Store,
    scope: Scope,
    from: i64,
    to: i64,
) -> Result<TimeCounts, StoreError> {
    // The ente's id is a number the store made, never text from outside.
    let (months, open, ente) = scope.tables();
    // The months from `from` on: the period's, and any after it (none for a period that
    // ends this month).
    let rows = sqlx::query(&format!(
        "SELECT {MONTH_COLUMNS} FROM {months} WHERE {ente} month >= $1 ORDER BY service_id, month"
    ))
    .bind(from)
    .fetch_all(store.reader())
    .await?;
    // What was open before the period is what is open now less what the months since have
    // opened: a row a service, however long the history.
    let open_now = sqlx::query_as::<_, (String, i64)>(&format!(
        "SELECT service_id, open FROM {open} WHERE {ente} 1 = 1"
    ))
    .fetch_all(store.reader())
    .await?;
    let mut open_before: std::collections::BTreeMap<String, i64> = open_now.into_iter().collect();
    let mut months = Vec::with_capacity(rows.len());
    for r in &rows {
        let month: i64 = r.try_get("month")?;
        let row = month_row(r, month <= to)?;
        let before = open_before.entry(row.service_id.clone()).or_default();
        *before = before.saturating_sub(opened(&row.counts));
        if month <= to {
            months.push(row);
        }
    }
    let open_before: Vec<(String, i64)> = open_before.into_iter().collect();
    // The period's histograms, merged from its month rows: one row a service and month,
    // however many cases they count.
    let mut by_service = std::collections::BTreeMap::<&str, DaysSum>::new();
    let mut by_month = std::collections::BTreeMap::<i64, DaysSum>::new();
    let mut total = DaysSum::default();
    for row in &months {
        let s = by_service.entry(row.service_id.as_str()).or_default();
        let m = by_month.entry(row.month).or_default();
        for (d, n) in &row.days {
            s.add(*d, *n);
            m.add(*d, *n);
            total.add(*d, *n);
        }
    }
    let days_by_service = by_service
        .iter()
        .map(|(s, h)| (s.to_string(), h.pairs().collect()))
        .collect();
    let days_by_month = by_month
        .iter()
        .map(|(m, h)| (*m, h.pairs().collect()))
        .collect();
    let days_total = total.pairs().collect();
    Ok(TimeCounts {
        months,
        open_before,
        days_by_service,
        days_by_month,
        days_total,
    })
}

impl TenantStore<'_> {
    /// The ente's counts for months `from..=to` (see [`TimeCounts`]).
    pub async fn time_counts(&self, from: i64, to: i64) -> Result<TimeCounts, StoreError> {
        time_counts(self.store(), Scope::Ente(self.ente()), from, to).await
    }
}

impl RegionWide<'_> {
    /// The region's counts for months `from..=to`, as last rolled up.
    pub async fn time_counts(&self, from: i64, to: i64) -> Result<TimeCounts, StoreError> {
        time_counts(self.store, Scope::Region, from, to).await
    }

    /// The cases filed before the counts existed, a page at a time after id `after`: (id, ente,
    /// service, mode, submitted at in Unix ms). Read once, to count them.
    pub async fn filed_cases_after(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, EnteId, String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, ente_id, service_id, mode, submitted_at FROM applications \
             WHERE id > $1 AND submitted_at IS NOT NULL AND case_state IS NOT NULL ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    EnteId::from_stored(r.try_get(1)?),
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }
}

/// A rating as stored: anonymous, its comment already filtered.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    /// A keyed hash of the session and the page: one rating each.
    pub once_key: &'a str,
    pub subject: Subject,
    pub target: &'a str,
    pub service_id: Option<&'a str>,
    pub office_code: Option<&'a str>,
    pub month: i64,
    pub at: i64,
    pub stars: u8,
    pub reason: Option<u8>,
    pub comment: Option<&'a str>,
}

/// A rating with a comment, as the office reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RatingRow {
    pub id: i64,
    pub subject: String,
    pub target: String,
    pub service_id: Option<String>,
    pub office_code: Option<String>,
    pub at: i64,
    pub stars: i64,
    pub reason: Option<i64>,
    pub comment: Option<String>,
    pub task_open: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub public: i64,
}

const RATING_COLUMNS: &str =
    "id, subject, target, service_id, office_code, at, stars, reason, comment, task_open, \
                              answer, answered_by, answered_at, public";

impl TenantTx {
    /// Records a rating and counts it, unless this session rated this page already (false).
    pub async fn insert_rating(&mut self, r: &NewRating<'_>) -> Result<bool, StoreError> {
        let ente = self.ente().get();
        let tx = self.tx();
        let first = sqlx::query(
            "INSERT INTO rating_once (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(r.once_key)
        .bind(r.at)
        .execute(&mut **tx)
        .await?;
        if first.rows_affected() != 1 {
            return Ok(false);
        }
        let stars = i64::from(r.stars);
        let task = i64::from(
            r.comment.is_some() && !sportello_domain::accountability::rating::positive(r.stars),
        );
        sqlx::query(
            "INSERT INTO ratings (ente_id, subject, target, service_id, office_code, month, at, stars, reason, comment, task_open) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(ente)
        .bind(r.subject.code())
        .bind(r.target)
        .bind(r.service_id)
        .bind(r.office_code)
        .bind(r.month)
        .bind(r.at)
        .bind(stars)
        .bind(r.reason.map(i64::from))
        .bind(r.comment)
        .bind(task)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO rating_months (ente_id, subject, target, month, stars, reason, ratings) VALUES ($1, $2, $3, $4, $5, $6, 1) \
             ON CONFLICT (ente_id, subject, target, month, stars, reason) DO UPDATE SET ratings = rating_months.ratings + 1",
        )
        .bind(ente)
        .bind(r.subject.code())
        .bind(r.target)
        .bind(r.month)
        .bind(stars)
        .bind(r.reason.map_or(-1, i64::from))
        .execute(&mut **tx)
        .await?;
        Ok(true)
    }
}

impl TenantStore<'_> {
    /// Ratings counted by (subject, target, stars, follow-up answer or -1) over months
    /// `from..=to`.
    pub async fn rating_counts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, String, i64, i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT subject, target, stars, reason, CAST(SUM(ratings) AS BIGINT) FROM rating_months \
             WHERE ente_id = $1 AND month >= $2 AND month <= $3 GROUP BY subject, target, stars, reason \
             ORDER BY subject, target, stars, reason",
        )
        .bind(self.ente().get())
        .bind(from)
        .bind(to)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The latest comments, newest first: the open tasks only, or all; of one office's services
    /// (and the pages, which are everyone's) or of every office.
    pub async fn rating_comments(
        &self,
        open_only: bool,
        office: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RatingRow>, StoreError> {
        Ok(sqlx::query_as::<_, RatingRow>(&format!(
            "SELECT {RATING_COLUMNS} FROM ratings WHERE ente_id = $1 AND comment IS NOT NULL \
             AND ($2 = 0 OR task_open = 1) AND ($3 = '' OR office_code IS NULL OR office_code = $3) \
             ORDER BY id DESC LIMIT $4"
        ))
        .bind(self.ente().get())
        .bind(i64::from(open_only))
        .bind(office.unwrap_or_default())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn rating(&self, id: i64) -> Result<Option<RatingRow>, StoreError> {
        Ok(sqlx::query_as::<_, RatingRow>(&format!(
            "SELECT {RATING_COLUMNS} FROM ratings WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The office's answer to a comment, which closes its task; shown to the public if
    /// `public`. False if the rating is not this ente's or was answered meanwhile.
    pub async fn answer_rating(
        &self,
        id: i64,
        answer: &str,
        by: &str,
        at: i64,
        public: bool,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query(
            "UPDATE ratings SET answer = $1, answered_by = $2, answered_at = $3, public = $4, task_open = 0 \
             WHERE ente_id = $5 AND id = $6 AND comment IS NOT NULL AND answer IS NULL",
        )
        .bind(answer)
        .bind(by)
        .bind(at)
        .bind(i64::from(public))
        .bind(self.ente().get())
        .bind(id)
        .execute(&self.store().write_pool())
        .await?;
        Ok(moved.rows_affected() == 1)
    }

    /// «Avete detto, abbiamo fatto»: the comments answered for the public, newest first.
    pub async fn public_answers(&self, limit: i64) -> Result<Vec<RatingRow>, StoreError> {
        Ok(sqlx::query_as::<_, RatingRow>(&format!(
            "SELECT {RATING_COLUMNS} FROM ratings WHERE ente_id = $1 AND public = 1 \
             ORDER BY answered_at DESC, id DESC LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }
}

impl Store {
    /// Inside `tx`: adds counts made elsewhere (the cases filed before the counts existed).
    pub async fn add_case_counts(
        tx: &mut Tx,
        months: &std::collections::BTreeMap<(EnteId, String, i64), MonthCounts>,
        days: &std::collections::BTreeMap<(EnteId, String, i64, i64), i64>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        for ((ente, service, month), c) in months {
            sqlx::query(
                "INSERT INTO case_months (ente_id, service_id, month, filed_online, filed_assisted, filed_intermediary, \
                 decided, within_term, silent, withdrawn, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (ente_id, service_id, month) DO UPDATE SET \
                 filed_online = case_months.filed_online + excluded.filed_online, \
                 filed_assisted = case_months.filed_assisted + excluded.filed_assisted, \
                 filed_intermediary = case_months.filed_intermediary + excluded.filed_intermediary, \
                 decided = case_months.decided + excluded.decided, \
                 within_term = case_months.within_term + excluded.within_term, \
                 silent = case_months.silent + excluded.silent, withdrawn = case_months.withdrawn + excluded.withdrawn, \
                 updated_at = excluded.updated_at",
            )
            .bind(ente.get())
            .bind(service)
            .bind(month)
            .bind(c.filed_online)
            .bind(c.filed_assisted)
            .bind(c.filed_intermediary)
            .bind(c.decided)
            .bind(c.within_term)
            .bind(c.silent)
            .bind(c.withdrawn)
            .bind(at_ms)
            .execute(&mut **tx)
            .await?;
        }
        for ((ente, service, month, d), n) in days {
            sqlx::query(
                "INSERT INTO case_month_days (ente_id, service_id, month, days, cases) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (ente_id, service_id, month, days) DO UPDATE SET cases = case_month_days.cases + excluded.cases",
            )
            .bind(ente.get())
            .bind(service)
            .bind(month)
            .bind(d)
            .bind(n)
            .execute(&mut **tx)
            .await?;
        }
        let mut open: std::collections::BTreeMap<(i64, &str), i64> = Default::default();
        for ((ente, service, _), c) in months {
            let n = open.entry((ente.get(), service.as_str())).or_default();
            *n = n.saturating_add(opened(c));
        }
        for ((ente, service), n) in open {
            add_open(tx, ente, service, n).await?;
        }
        let set = set_days_hist(
            crate::db::backend_of(tx),
            false,
            "WHERE ente_id = $1 AND service_id = $2 AND month = $3",
        );
        let keys: std::collections::BTreeSet<_> =
            days.keys().map(|(e, s, m, _)| (e, s, m)).collect();
        for (ente, service, month) in keys {
            sqlx::query(&set)
                .bind(ente.get())
                .bind(service)
                .bind(month)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

impl TenantStore<'_> {
    /// The days of one service's decisions over months `from..=to`: (days, cases).
    pub async fn service_days(
        &self,
        service_id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        // One row a month, each with its histogram whole.
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT days_hist FROM case_months WHERE ente_id = $1 AND service_id = $2 \
             AND month >= $3 AND month <= $4",
        )
        .bind(self.ente().get())
        .bind(service_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.store().reader())
        .await?;
        let mut merged = DaysSum::default();
        for text in &rows {
            for (d, n) in parse_days_hist(text)? {
                merged.add(d, n);
            }
        }
        Ok(merged.pairs().collect())
    }
}

impl RegionWide<'_> {
    /// For each service: how many enti offer it, and how many of those take pagoPA payments.
    pub async fn adoptions_and_payments(
        &self,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT a.service_id, COUNT(*), COUNT(c.ente_id) FROM adoptions a \
             LEFT JOIN creditors c ON c.ente_id = a.ente_id GROUP BY a.service_id",
        )
        .fetch_all(self.store.reader())
        .await?;
        Ok(rows.into_iter().map(|(s, n, p)| (s, (n, p))).collect())
    }
}

#[cfg(any(test, feature = "testing"))]
impl Store {
    /// Every rating's comment as stored (tests check that no personal datum was kept).
    pub async fn ratings_for_test(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(comment, '') FROM ratings ORDER BY id")
                .fetch_all(self.reader())
                .await?,
        )
    }
}

/// When each ente's datasets last changed (Unix ms), and whom to write about them.
#[derive(Debug, Clone, Default)]
pub struct OpenDataDates {
    pub services: std::collections::HashMap<i64, i64>,
    pub first_adoption: std::collections::HashMap<i64, i64>,
    pub times: std::collections::HashMap<i64, i64>,
    pub ratings: std::collections::HashMap<i64, i64>,
    pub albo: std::collections::HashMap<i64, i64>,
    pub budgets: std::collections::HashMap<i64, i64>,
    pub reports: std::collections::HashMap<i64, i64>,
    pub bookings: std::collections::HashMap<i64, i64>,
    pub emails: std::collections::HashMap<i64, String>,
    /// The catalogue's own last change.
    pub catalogue: i64,
}

async fn pairs(
    store: &Store,
    sql: &str,
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let rows = sqlx::query(sql).fetch_all(store.reader()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>(0)?,
                r.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
            ))
        })
        .collect()
}

impl RegionWide<'_> {
    /// The dates of every ente's datasets, each read by one grouped query (the albo's through
    /// its events' primary key, ente by ente).
    pub async fn open_data_dates(&self) -> Result<OpenDataDates, StoreError> {
        let s = self.store;
        let emails = sqlx::query_as::<_, (i64, String)>(
            "SELECT ente_id, email FROM ente_profiles WHERE email <> ''",
        )
        .fetch_all(s.reader())
        .await?
        .into_iter()
        .collect();
        let catalogue: Option<i64> = sqlx::query_scalar("SELECT MAX(updated_at) FROM services")
            .fetch_one(s.reader())
            .await?;
        Ok(OpenDataDates {
            services: pairs(
                s,
                "SELECT ente_id, MAX(adopted_at) FROM adoptions GROUP BY ente_id",
            )
            .await?,
            first_adoption: pairs(
                s,
                "SELECT ente_id, MIN(adopted_at) FROM adoptions GROUP BY ente_id",
            )
            .await?,
            times: pairs(
                s,
                "SELECT ente_id, MAX(updated_at) FROM case_months GROUP BY ente_id",
            )
            .await?,
            ratings: pairs(s, "SELECT ente_id, MAX(at) FROM ratings GROUP BY ente_id").await?,
            albo: pairs(
                s,
                "SELECT e.id, (SELECT v.at_ms FROM albo_events v WHERE v.ente_id = e.id \
                 ORDER BY v.seq DESC LIMIT 1) FROM enti e",
            )
            .await?,
            budgets: pairs(
                s,
                "SELECT ente_id, MAX(created_at) FROM pb_processes GROUP BY ente_id",
            )
            .await?,
            reports: pairs(
                s,
                "SELECT ente_id, MAX(updated_at) FROM reports GROUP BY ente_id",
            )
            .await?,
            bookings: pairs(
                s,
                "SELECT ente_id, MAX(updated_at) FROM bookings \
                 WHERE state <> 'bozza' AND state <> 'scaduta' GROUP BY ente_id",
            )
            .await?,
            emails,
            catalogue: catalogue.unwrap_or(0),
        })
    }

    /// The region's decisions' days by service and month, every month: (service, month, days,
    /// cases).
    pub async fn month_days(&self) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
        month_days(self.store, "region_case_month_days", "").await
    }
}

async fn month_days(
    store: &Store,
    table: &str,
    ente: &str,
) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT service_id, month, days, cases FROM {table} {ente} ORDER BY service_id, month, days"
    ))
    .fetch_all(store.reader())
    .await?)
}

impl TenantStore<'_> {
    /// The ente's decisions' days by service and month, every month.
    pub async fn month_days(&self) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
        // The ente's id is a number the store made.
        month_days(
            self.store(),
            "case_month_days",
            &format!("WHERE ente_id = {}", self.ente().get()),
        )
        .await
    }

    /// The ente's ratings by month, subject, target and stars: (month, subject, target, stars,
    /// ratings).
    pub async fn rating_months(&self) -> Result<Vec<(i64, String, String, i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT month, subject, target, stars, CAST(SUM(ratings) AS BIGINT) FROM rating_months WHERE ente_id = $1 \
             GROUP BY month, subject, target, stars ORDER BY month, subject, target, stars",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }
}

impl RegionWide<'_> {
    /// Every vote of every participatory budget: (ente, process's slug, phase, closing day).
    pub async fn pb_vote_files(&self) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.ente_id, p.slug, ph.kind, ph.closes_on FROM pb_processes p \
             JOIN pb_phases ph ON ph.process_id = p.id WHERE ph.kind IN ('vote1', 'vote2') \
             ORDER BY p.ente_id, p.slug, ph.kind",
        )
        .fetch_all(self.store.reader())
        .await?)
    }
}

impl Store {
    /// Adds counts in bulk, many rows a statement (the times benchmark's synthetic region):
    /// `months` as (ente, service, month, counts), `days` as (ente, service, month, days,
    /// cases). Each key at most once per call.
    pub async fn bulk_case_counts(
        &self,
        months: &[(i64, &str, i64, MonthCounts)],
        days: &[(i64, &str, i64, i64, i64)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let numbered = crate::filing::numbered(&tx);
        for chunk in months.chunks(500) {
            let sql = format!(
                "INSERT INTO case_months (ente_id, service_id, month, filed_online, filed_assisted, filed_intermediary, \
                 decided, within_term, silent, withdrawn, updated_at) VALUES {} \
                 ON CONFLICT (ente_id, service_id, month) DO UPDATE SET \
                 filed_online = case_months.filed_online + excluded.filed_online, \
                 filed_assisted = case_months.filed_assisted + excluded.filed_assisted, \
                 filed_intermediary = case_months.filed_intermediary + excluded.filed_intermediary, \
                 decided = case_months.decided + excluded.decided, within_term = case_months.within_term + excluded.within_term, \
                 silent = case_months.silent + excluded.silent, withdrawn = case_months.withdrawn + excluded.withdrawn",
                crate::filing::values_clause(chunk.len(), 11, numbered)
            );
            let mut q = sqlx::query(&sql);
            for (e, s, m, c) in chunk {
                q = q
                    .bind(*e)
                    .bind(*s)
                    .bind(*m)
                    .bind(c.filed_online)
                    .bind(c.filed_assisted)
                    .bind(c.filed_intermediary)
                    .bind(c.decided)
                    .bind(c.within_term)
                    .bind(c.silent)
                    .bind(c.withdrawn)
                    .bind(0_i64);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in days.chunks(1000) {
            let sql = format!(
                "INSERT INTO case_month_days (ente_id, service_id, month, days, cases) VALUES {} \
                 ON CONFLICT (ente_id, service_id, month, days) DO UPDATE SET cases = case_month_days.cases + excluded.cases",
                crate::filing::values_clause(chunk.len(), 5, numbered)
            );
            let mut q = sqlx::query(&sql);
            for (e, s, m, d, n) in chunk {
                q = q.bind(*e).bind(*s).bind(*m).bind(*d).bind(*n);
            }
            q.execute(&mut *tx).await?;
        }
        let mut open: std::collections::BTreeMap<(i64, &str), i64> = Default::default();
        for (ente, service, _, c) in months {
            let n = open.entry((*ente, *service)).or_default();
            *n = n.saturating_add(opened(c));
        }
        for ((ente, service), n) in open {
            add_open(&mut tx, ente, service, n).await?;
        }
        // Each touched ente's month rows' histograms, set whole from their days rows, a
        // statement an ente.
        let set = set_days_hist(crate::db::backend_of(&tx), false, "WHERE ente_id = $1");
        let enti: std::collections::BTreeSet<i64> = days.iter().map(|(e, ..)| *e).collect();
        for e in enti {
            sqlx::query(&set).bind(e).execute(&mut *tx).await?;
        }
        Ok(tx.commit().await?)
    }
}
