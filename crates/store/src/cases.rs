//! Cases: the state of the procedure an application opened, its events, the ente's patron day.

use sportello_domain::procedure::states::CaseState;
use sportello_domain::procedure::{ApplicationStatus, CaseEventKind};
use sqlx::Row;

use crate::db::{Store, StoreError};
use crate::tenancy::TenantStore;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseEventRow {
    pub at: i64,
    #[sqlx(try_from = "String")]
    pub kind: CaseEventKind,
    #[sqlx(try_from = "String")]
    pub state: CaseState,
    pub actor: String,
}

const QUEUE_SELECT: &str =
    "SELECT a.id, a.service_id, a.status, a.case_state, a.data, r.number, r.year, \
     r.registered_at, r.correspondent, a.assignee, a.term_due, a.term_paused_until, \
     a.term_days_left, a.term_answered, a.term_kept \
     FROM applications a JOIN protocol_registrations r ON r.application_id = a.filing_id";

/// The queue's list: the same columns, without the application's data (a list never carries
/// what every applicant typed).
const QUEUE_LIST_SELECT: &str =
    "SELECT a.id, a.service_id, a.status, a.case_state, '' AS data, r.number, r.year, \
     r.registered_at, r.correspondent, a.assignee, a.term_due, a.term_paused_until, \
     a.term_days_left, a.term_answered, a.term_kept \
     FROM applications a JOIN protocol_registrations r ON r.application_id = a.filing_id";

/// A case's assignee as a facet's key: the staff member's id, or «» for nobody.
const ASSIGNEE_KEY: &str = "COALESCE(CAST(a.assignee AS TEXT), '')";

/// The state a case shows, in SQL: withdrawn applications are «ritirata», cases not yet
/// started «protocollata» (as `shown_state` in the app).
const SHOWN_STATE: &str =
    "(CASE WHEN a.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(a.case_state, 'protocollata') END)";

/// The cases not concluded, in SQL, as the partial index `applications_open` (migration 0046)
/// is written: with literals, so that the planner sees the index holds every row it asks for.
/// A test checks it against `CaseState::is_concluded`.
pub(crate) const OPEN_CASES: &str = "a.status <> 'withdrawn' AND COALESCE(a.case_state, 'protocollata') IN \
     ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'scia_efficace')";

/// The states a case not concluded shows, as [`OPEN_CASES`] lists them (a test keeps the two
/// in step): the kept counts' rows hold the state shown.
pub(crate) const OPEN_SHOWN_STATES: &str = "('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'scia_efficace')";

/// Which of the ente's filed applications the office's queue lists. Every condition is bound,
/// none is formatted into the statement.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only cases not concluded.
    pub open_only: bool,
    /// Only cases showing this state (its code).
    pub state: Option<String>,
    /// Only this service's cases.
    pub service: Option<String>,
    /// Only the cases of these services (an office's: the services it handles).
    pub services: Option<Vec<String>>,
    pub assignee: AssigneeFilter,
    /// Only the cases with this registration number, or whose applicant's name or codice
    /// fiscale contains this text.
    pub search: Option<QueueSearch>,
    /// Only the open cases in this view of their terms (with `open_only`), as of `today`.
    pub term: Option<TermView>,
    /// Today's date as a Julian day number, in Rome: what the term views compare with.
    pub today: i64,
}

/// The open queue's views by term, filtered on the terms each case keeps on its row
/// (migration 0053).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermView {
    /// Not yet started.
    New,
    /// Waiting for the applicant (an integration asked, a preavviso di rigetto sent).
    Awaiting,
    /// The applicant answered the office's last request and the office has not acted since.
    Answered,
    /// Due within five days.
    DueSoon,
    /// Past its due date.
    Overdue,
}

impl TermView {
    pub const ALL: [TermView; 5] = [
        TermView::New,
        TermView::Awaiting,
        TermView::Answered,
        TermView::DueSoon,
        TermView::Overdue,
    ];

    /// The condition, in SQL, with `today` the given parameter: the same as the app's
    /// `term_matches` over a case's term on that day.
    fn condition(self, today: &str) -> String {
        // The term runs (no suspension, or one that has reached its legal end) on `today`.
        let running = format!(
            "a.term_kept = 1 AND (a.term_paused_until IS NULL OR a.term_paused_until <= {today})"
        );
        match self {
            TermView::New => "COALESCE(a.case_state, 'protocollata') = 'protocollata'".to_string(),
            TermView::Awaiting => {
                "a.case_state IN ('sospesa_per_integrazione', 'preavviso_di_rigetto')".to_string()
            }
            TermView::Answered => "a.term_answered = 1".to_string(),
            TermView::DueSoon => {
                format!("{running} AND a.term_due >= {today} AND a.term_due <= {today} + 5")
            }
            TermView::Overdue => format!("{running} AND a.term_due < {today}"),
        }
    }
}

/// Writes a case's kept term: the term's four values, then the case's id and ente.
const KEEP_TERM: &str = "UPDATE applications SET term_due = $1, term_paused_until = $2, \
     term_days_left = $3, term_answered = $4, term_kept = 1 WHERE id = $5 AND ente_id = $6";

/// [`KEEP_TERM`]'s values, bound in order.
fn bind_term<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    term: &KeptTermRow,
    application_id: &'q str,
    ente_id: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(term.due)
        .bind(term.paused_until)
        .bind(term.days_left)
        .bind(i64::from(term.answered))
        .bind(application_id)
        .bind(ente_id)
}

/// A case's term as kept on its row (migration 0053): Julian day numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeptTermRow {
    pub due: Option<i64>,
    pub paused_until: Option<i64>,
    pub days_left: Option<i64>,
    pub answered: bool,
}

/// What the office types in the queue's search box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueSearch {
    /// A registration number (`12`, `0000012`, `12/2026`).
    Number(i64),
    /// The beginnings of the applicant's names or codice fiscale, as typed.
    Text(String),
}

impl QueueSearch {
    /// What was typed, understood; `None` for nothing or a single character.
    pub fn parse(typed: &str) -> Option<Self> {
        let t = typed.trim();
        let head = t.split('/').next().unwrap_or_default().trim();
        if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = head.parse::<i64>() {
                return Some(QueueSearch::Number(n));
            }
        }
        let text: String = t.chars().take(100).collect();
        (text.chars().count() >= 2).then_some(QueueSearch::Text(text))
    }

    /// Whether a case's number (`0000012/2026`) and correspondent match.
    pub fn matches(&self, number: &str, correspondent: &str) -> bool {
        match self {
            QueueSearch::Number(n) => {
                number.split('/').next().and_then(|d| d.parse::<i64>().ok()) == Some(*n)
            }
            // Every word, in any order, each the beginning of a word: «rossi mar» finds
            // «Mario Rossi» (as the database's search does, `registration_words`).
            QueueSearch::Text(t) => {
                let theirs = crate::words::words(correspondent);
                let typed = crate::words::words(t);
                !typed.is_empty()
                    && typed
                        .iter()
                        .all(|w| theirs.iter().any(|o| o.starts_with(w.as_str())))
            }
        }
    }
}

/// Whose cases the queue lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Nobody,
    Person(i64),
}

/// Counts of the queue by a facet, and whether they are exact (kept as cases move, when no
/// search narrows them) or only the first `cap` + 1 cases counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCounts {
    pub counts: Vec<(String, i64)>,
    pub exact: bool,
}

/// Cases found by a search with one shown state, service and assignee («» for nobody), and
/// how many ([`TenantStore::queue_sample`]).
///
/// [`TenantStore::queue_sample`]: crate::TenantStore::queue_sample
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleGroup {
    pub state: String,
    pub service: String,
    pub assignee: String,
    pub cases: i64,
}

/// A facet of the queue counted in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFacet {
    State,
    Service,
    Assignee,
}

/// The conditions of `filter` after `WHERE a.ente_id = $1 AND r.ente_id = $1`, numbered from
/// `$2`, and the values to bind in order. A name searched for is, for the open cases, a
/// condition on each open case's own words; otherwise the registrations `newest` found
/// (`TenantStore::newest_with_words`), or when it found none to merge, every registration whose
/// words match.
fn queue_conditions(
    filter: &QueueFilter,
    newest: Option<&crate::words::Newest>,
    backend: crate::Backend,
) -> (String, Vec<QueueBind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let next = |b: QueueBind, binds: &mut Vec<QueueBind>| {
        binds.push(b);
        format!("${}", binds.len() + 1)
    };
    if filter.open_only {
        sql.push_str(" AND ");
        sql.push_str(OPEN_CASES);
        if let Some(view) = filter.term {
            let today = next(QueueBind::Int(filter.today), &mut binds);
            sql.push_str(&format!(" AND {}", view.condition(&today)));
        }
    }
    if let Some(state) = &filter.state {
        let p = next(QueueBind::Text(state.clone()), &mut binds);
        sql.push_str(&format!(" AND {SHOWN_STATE} = {p}"));
    }
    if let Some(service) = &filter.service {
        let p = next(QueueBind::Text(service.clone()), &mut binds);
        sql.push_str(&format!(" AND a.service_id = {p}"));
    }
    if let Some(services) = &filter.services {
        let list: Vec<String> = services
            .iter()
            .map(|s| next(QueueBind::Text(s.clone()), &mut binds))
            .collect();
        if list.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(&format!(" AND a.service_id IN ({})", list.join(", ")));
        }
    }
    match &filter.search {
        None => {}
        Some(QueueSearch::Number(n)) => {
            let p = next(QueueBind::Int(*n), &mut binds);
            sql.push_str(&format!(" AND r.number = {p}"));
        }
        Some(QueueSearch::Text(t)) => {
            // Every word, in any order, each the beginning of one of the correspondent's words:
            // found through the register's words (`registration_words`), never by reading the
            // ente's history.
            let words = crate::words::words(t);
            if words.is_empty() {
                // Nothing searchable typed («S.r.l.», one letter): nothing is found.
                sql.push_str(" AND 1 = 0");
            } else if filter.open_only {
                // The open cases are few: each one's registration is asked for its words
                // (`registration_words_by_registration`, migration 0054). PostgreSQL would
                // turn the EXISTS into a join and start from the name's registrations (1,325
                // «Rossi» in Livorno at a million filings, 14 ms, against 226 open cases);
                // `OFFSET 0` keeps it a test made for each open case.
                let fence = match backend {
                    crate::Backend::Postgres => " OFFSET 0",
                    crate::Backend::Sqlite => "",
                };
                for word in words {
                    let (from, to) = crate::words::prefix_range(&word);
                    let from = next(QueueBind::Text(from), &mut binds);
                    let to = next(QueueBind::Text(to), &mut binds);
                    sql.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM registration_words w WHERE w.registration_id = r.id \
                         AND w.word >= {from} AND w.word < {to} AND w.ente_id = $1{fence})"
                    ));
                }
            } else if let Some(newest) = newest {
                sql.push_str(&newest.condition());
            } else {
                for word in words {
                    let (from, to) = crate::words::prefix_range(&word);
                    let from = next(QueueBind::Text(from), &mut binds);
                    let to = next(QueueBind::Text(to), &mut binds);
                    sql.push_str(&format!(
                        " AND r.id IN (SELECT w.registration_id FROM registration_words w \
                         WHERE w.ente_id = $1 AND w.word >= {from} AND w.word < {to})"
                    ));
                }
            }
        }
    }
    match filter.assignee {
        AssigneeFilter::Anyone => {}
        AssigneeFilter::Nobody => sql.push_str(" AND a.assignee IS NULL"),
        AssigneeFilter::Person(id) => {
            let p = next(QueueBind::Int(id), &mut binds);
            sql.push_str(&format!(" AND a.assignee = {p}"));
        }
    }
    (sql, binds)
}

/// The open cases' table for a count: the filed applications alone, through their open index
/// (a draft is no case: `status` is in the index), unless a search needs the registrations
/// (their number, their words).
fn open_from(filter: &QueueFilter) -> &'static str {
    if filter.search.is_some() {
        "applications a JOIN protocol_registrations r ON r.application_id = a.filing_id AND r.ente_id = a.ente_id"
    } else {
        "applications a"
    }
}

/// What every open case's count adds to [`OPEN_CASES`]: filed, not a draft.
const FILED: &str = "a.status = 'submitted'";

/// The registrations' ente as a statement's conditions name it: see [`Newest::ENTE`] when the
/// registrations are listed.
///
/// [`Newest::ENTE`]: crate::words::Newest::ENTE
fn ente_of_r(newest: Option<&crate::words::Newest>) -> &'static str {
    if newest.is_some() {
        crate::words::Newest::ENTE
    } else {
        "r.ente_id"
    }
}

/// The application's ente as a search's conditions name it. A search of every case finds
/// registrations (by number, by word) and reaches their cases through `applications_by_filing`; written
/// `+a.ente_id` (the same value, no longer a column an index can serve), it keeps SQLite's
/// planner, without statistics, from walking the ente's applications instead. PostgreSQL
/// plans by its statistics either way.
fn ente_of_a(filter: &QueueFilter) -> &'static str {
    // The open cases are read from their own index, a search or not.
    if filter.search.is_some() && !filter.open_only {
        "+a.ente_id"
    } else {
        "a.ente_id"
    }
}

enum QueueBind {
    Text(String),
    Int(i64),
}

/// Binds a queue query's values; prepared and kept only where the store keeps such reads
/// prepared (`Store::keep_prepared`: on PostgreSQL each is planned for its own values).
fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    binds: &'q [QueueBind],
    store: &Store,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    q = q.persistent(store.keep_prepared());
    for b in binds {
        q = match b {
            QueueBind::Text(t) => q.bind(t.as_str()),
            QueueBind::Int(i) => q.bind(*i),
        };
    }
    q
}

/// A filed application as the office's queue sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRow {
    pub id: String,
    pub service_id: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub case_state: Option<String>,
    pub data: String,
    pub number: i64,
    pub year: i64,
    pub registered_at: String,
    pub correspondent: String,
    pub assignee: Option<i64>,
    /// The case's term as kept (migration 0053); `term_kept` 0 until written.
    pub term_due: Option<i64>,
    pub term_paused_until: Option<i64>,
    pub term_days_left: Option<i64>,
    pub term_answered: i64,
    pub term_kept: i64,
}

/// The most registrations a name searched for among every case is resolved to, newest first,
/// before the database is left to sort every match.
const MAX_NEWEST: i64 = 1 << 16;

/// Rows of `queue_counts` folded at most in one SQLite transaction.
const FOLD_SLICE: i64 = 20_000;

impl Store {
    /// Marks the kept term of every ente's open cases of one service as to be written again
    /// (the region's definition of the service changed).
    pub async fn unkeep_open_terms_everywhere(&self, service_id: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(&format!(
            "UPDATE applications SET term_kept = 0 WHERE id IN (SELECT a.id FROM applications a \
             WHERE {OPEN_CASES} AND a.service_id = $1)"
        ))
        .bind(service_id)
        .execute(&self.write_pool())
        .await?
        .rows_affected())
    }

    /// The entes with open cases whose kept term is not written (`term_kept` = 0).
    pub async fn entes_with_unkept_terms(
        &self,
    ) -> Result<Vec<sportello_domain::tenancy::EnteId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT a.ente_id FROM applications a WHERE {OPEN_CASES} AND a.term_kept = 0 \
             AND {FILED}"
        ))
        .fetch_all(self.reader())
        .await?;
        Ok(ids
            .into_iter()
            .map(sportello_domain::tenancy::EnteId::from_stored)
            .collect())
    }

    /// Folds the kept queue counts' rows into one per key (`queue_counts`, migration 0048):
    /// every row written so far is replaced by its key's sum, in one transaction; rows written
    /// meanwhile stay for the next fold. Run by the scheduled jobs under a lease, and by
    /// `bench region` after its bulk writes. Returns the rows folded.
    pub async fn fold_queue_counts(&self) -> Result<u64, StoreError> {
        self.fold_queue_counts_by(FOLD_SLICE).await
    }

    /// [`Self::fold_queue_counts`], SQLite's slices of `slice` rows (tests fold in small ones).
    pub(crate) async fn fold_queue_counts_by(&self, slice: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let folded = match self.backend() {
            // One statement: the rows deleted are exactly the rows summed, whatever commits
            // meanwhile (a row another transaction has not committed is neither).
            crate::Backend::Postgres => {
                // Only the keys with several rows: a key that did not move is not rewritten.
                let gone: i64 = sqlx::query_scalar(
                    "WITH many AS (SELECT ente_id, service_id, state, assignee FROM queue_counts \
                     GROUP BY ente_id, service_id, state, assignee HAVING COUNT(*) > 1), \
                     gone AS (DELETE FROM queue_counts q USING many m WHERE q.ente_id = m.ente_id \
                     AND q.service_id = m.service_id AND q.state = m.state AND q.assignee = m.assignee \
                     RETURNING q.ente_id, q.service_id, q.state, q.assignee, q.n), \
                     kept AS (INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) \
                     SELECT ente_id, service_id, state, assignee, SUM(n) FROM gone \
                     GROUP BY ente_id, service_id, state, assignee HAVING SUM(n) <> 0) \
                     SELECT COUNT(*) FROM gone",
                )
                .fetch_one(&mut *tx)
                .await?;
                gone
            }
            // One writer at a time: what is read in the transaction is what is replaced. The
            // rows are folded a slice at a time, each in its own short transaction, so that a
            // click day's filings (on the same single writer) wait for a slice, not the day.
            crate::Backend::Sqlite => {
                let (first, last): (Option<i64>, Option<i64>) =
                    sqlx::query_as("SELECT MIN(id), MAX(id) FROM queue_counts")
                        .fetch_one(&mut *tx)
                        .await?;
                drop(tx);
                let (Some(first), Some(last)) = (first, last) else {
                    return Ok(0);
                };
                // The rows up to `last` (those there now; the folded ones come after it), a
                // slice more each time: what a slice leaves (a key alone in it) is folded with
                // its key's rows of a later slice.
                let mut folded = 0_i64;
                let mut upto = first;
                loop {
                    upto = last.min(upto.saturating_add(slice.max(1)));
                    let mut tx = self.begin().await?;
                    let many = "(ente_id, service_id, state, assignee) IN (SELECT ente_id, service_id, state, assignee \
                                FROM queue_counts WHERE id <= $1 GROUP BY ente_id, service_id, state, assignee \
                                HAVING COUNT(*) > 1)";
                    sqlx::query(&format!(
                        "INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) \
                         SELECT ente_id, service_id, state, assignee, SUM(n) FROM queue_counts \
                         WHERE id <= $1 AND {many} \
                         GROUP BY ente_id, service_id, state, assignee HAVING SUM(n) <> 0"
                    ))
                    .bind(upto)
                    .execute(&mut *tx)
                    .await?;
                    let gone = sqlx::query(&format!(
                        "DELETE FROM queue_counts WHERE id <= $1 AND {many}"
                    ))
                    .bind(upto)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    folded = folded
                        .saturating_add(i64::try_from(gone.rows_affected()).unwrap_or(i64::MAX));
                    if upto >= last {
                        return Ok(u64::try_from(folded).unwrap_or(0));
                    }
                }
            }
        };
        tx.commit().await?;
        Ok(u64::try_from(folded).unwrap_or(0))
    }
}

impl TenantStore<'_> {
    pub async fn case_events(&self, application_id: &str) -> Result<Vec<CaseEventRow>, StoreError> {
        Ok(sqlx::query_as::<_, CaseEventRow>(
            "SELECT at, kind, state, actor FROM case_events WHERE application_id = $1 AND ente_id = $2 ORDER BY at, id",
        )
        .bind(application_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The events of these cases of the ente, each case's in order: a page of the queue's in
    /// one statement (each case's by its own index), not one round trip per line.
    pub async fn case_events_of(
        &self,
        application_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, Vec<CaseEventRow>>, StoreError> {
        let mut out: std::collections::HashMap<String, Vec<CaseEventRow>> =
            std::collections::HashMap::new();
        for part in application_ids.chunks(100) {
            let list = (0..part.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT application_id, at, kind, state, actor FROM case_events \
                 WHERE ente_id = $1 AND application_id IN ({list}) ORDER BY application_id, at, id"
            );
            let mut q = sqlx::query_as::<_, (String, i64, String, String, String)>(&sql)
                .bind(self.ente().get());
            for id in part {
                q = q.bind(*id);
            }
            let undecodable = |e: sportello_domain::stored::UnknownCode| {
                StoreError::Db(sqlx::Error::Decode(Box::new(e)))
            };
            for (id, at, kind, state, actor) in q.fetch_all(self.store().reader()).await? {
                out.entry(id).or_default().push(CaseEventRow {
                    at,
                    kind: CaseEventKind::parse(&kind).map_err(undecodable)?,
                    state: CaseState::parse(&state).map_err(undecodable)?,
                    actor,
                });
            }
        }
        Ok(out)
    }

    /// The events of the given kinds for every case of the ente: (application id, event).
    pub async fn case_events_of_kinds(
        &self,
        kinds: &[CaseEventKind],
    ) -> Result<Vec<(String, CaseEventRow)>, StoreError> {
        self.events_of_kinds(kinds).await
    }

    async fn events_of_kinds(
        &self,
        kinds: &[CaseEventKind],
    ) -> Result<Vec<(String, CaseEventRow)>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list = (0..kinds.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT application_id, at, kind, state, actor FROM case_events WHERE ente_id = $1 AND kind IN ({list}) ORDER BY at, id"
        );
        let mut query = sqlx::query(&sql).bind(self.ente().get());
        for kind in kinds {
            query = query.bind(kind.code());
        }
        let rows = query.fetch_all(self.store().reader()).await?;
        rows.iter()
            .map(|r| {
                let code = |column: &str| -> Result<String, StoreError> { Ok(r.try_get(column)?) };
                let undecodable = |e: sportello_domain::stored::UnknownCode| {
                    StoreError::Db(sqlx::Error::Decode(Box::new(e)))
                };
                Ok((
                    r.try_get("application_id")?,
                    CaseEventRow {
                        at: r.try_get("at")?,
                        kind: CaseEventKind::parse(&code("kind")?).map_err(undecodable)?,
                        state: CaseState::parse(&code("state")?).map_err(undecodable)?,
                        actor: r.try_get("actor")?,
                    },
                ))
            })
            .collect()
    }

    pub async fn case_state(&self, application_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT case_state FROM applications WHERE id = $1 AND ente_id = $2")
            .bind(application_id)
            .bind(self.ente().get())
            .fetch_optional(self.store().reader())
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>("case_state").ok().flatten()))
    }

    /// Every filed application of the ente, newest registration first.
    pub async fn queue(&self) -> Result<Vec<QueueRow>, StoreError> {
        Ok(sqlx::query_as::<_, QueueRow>(&format!(
            "{QUEUE_SELECT} WHERE a.ente_id = $1 AND r.ente_id = $1 ORDER BY r.year DESC, r.number DESC"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The filed applications of the ente that `filter` lets through, newest registration
    /// first, `limit` of them from the `offset`th: a page of the queue, read alone.
    pub async fn queue_page(
        &self,
        filter: &QueueFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<QueueRow>, StoreError> {
        // A name searched for, among every case: the newest registrations its words find,
        // enough of them for the page, then more while the other filters leave the page short.
        let mut wanted = offset.saturating_add(limit).max(64);
        loop {
            let newest = self.newest_for(filter, wanted).await?;
            let rows = self
                .queue_page_of(filter, newest.as_ref(), offset, limit)
                .await?;
            let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit;
            match newest {
                Some(n) if n.more && !full => {
                    if wanted >= MAX_NEWEST {
                        // The filters leave too few of the newest: the database sorts them all.
                        return self.queue_page_of(filter, None, offset, limit).await;
                    }
                    wanted = wanted.saturating_mul(4);
                }
                _ => return Ok(rows),
            }
        }
    }

    /// The newest registrations a name searched for among every case finds, `wanted` of them
    /// (`None` without such a search, or when the database must sort every match).
    async fn newest_for(
        &self,
        filter: &QueueFilter,
        wanted: i64,
    ) -> Result<Option<crate::words::Newest>, StoreError> {
        match &filter.search {
            Some(QueueSearch::Text(t)) if !filter.open_only => {
                let typed = crate::words::words(t);
                if typed.is_empty() {
                    return Ok(None);
                }
                self.newest_with_words(&typed, wanted).await
            }
            _ => Ok(None),
        }
    }

    async fn queue_page_of(
        &self,
        filter: &QueueFilter,
        newest: Option<&crate::words::Newest>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let (mut conditions, binds) = queue_conditions(filter, newest, self.store().backend());
        let n = binds.len();
        if filter.search.is_none() && filter.service.is_none() && !filter.open_only {
            // Every case: the filed applications' own index (`applications_registered`).
            conditions.push_str(" AND a.registered_year IS NOT NULL");
        }
        // Newest registration first, every way. Without a search, a range of the
        // applications' own indexes in that order (a filed application carries its
        // registration's year and number, migration 0049): every case's
        // (`applications_registered`), one service's (`applications_by_service_registered`),
        // the open cases' (`applications_open`). A search starts from the registrations it
        // finds (by number, by word) and reaches their cases through `applications_by_filing`;
        // a name's, registered last first (the order its words' index gives).
        let order = match &filter.search {
            None if filter.service.is_some() => {
                // The service is one value: naming it changes nothing but lets every planner
                // see which index gives the order.
                "a.service_id DESC, a.registered_year DESC, a.registered_number DESC, a.id DESC"
            }
            None => "a.registered_year DESC, a.registered_number DESC, a.id DESC",
            Some(QueueSearch::Number(_)) => "r.year DESC, r.number DESC, a.id DESC",
            Some(QueueSearch::Text(_)) => "r.id DESC, a.id DESC",
        };
        let sql = format!(
            "{QUEUE_LIST_SELECT} WHERE {} = $1 AND {} = $1{conditions} \
             ORDER BY {order} LIMIT ${} OFFSET ${}",
            ente_of_a(filter),
            ente_of_r(newest),
            n + 2,
            n + 3
        );
        let q = sqlx::query_as::<_, QueueRow>(&sql).bind(self.ente().get());
        Ok(bind_all(q, &binds, self.store())
            .bind(limit)
            .bind(offset)
            .fetch_all(self.store().reader())
            .await?)
    }

    /// How many of the ente's filed applications `filter` lets through, by `facet` (the
    /// state's code, the service's id, the assignee's id or "" for nobody). Without a search,
    /// exact and read from the counts kept as cases are filed and move (`queue_counts`,
    /// migration 0048): a few rows per service, state and assignee, whatever the ente's
    /// history. With a search, at most `cap` + 1 of the cases found are counted: when the counts
    /// add up to more than `cap` they are only a sample, and say only that there are more.
    pub async fn queue_counts(
        &self,
        filter: &QueueFilter,
        facet: QueueFacet,
        cap: i64,
    ) -> Result<QueueCounts, StoreError> {
        if filter.open_only && (filter.term.is_some() || filter.search.is_some()) {
            return self.open_queue_counts(filter, facet).await;
        }
        if filter.search.is_none() {
            return self.kept_queue_counts(filter, facet).await;
        }
        let key = match facet {
            QueueFacet::State => SHOWN_STATE,
            QueueFacet::Service => "a.service_id",
            QueueFacet::Assignee => ASSIGNEE_KEY,
        };
        let counts: Vec<(String, i64)> = self
            .sample_found(
                filter,
                cap,
                &format!("SELECT k, COUNT(*) AS n FROM (SELECT {key} AS k"),
                ") capped GROUP BY k ORDER BY k",
                |counts: &[(String, i64)]| {
                    counts.iter().fold(0_i64, |t, (_, n)| t.saturating_add(*n))
                },
            )
            .await?;
        Ok(QueueCounts {
            counts,
            exact: false,
        })
    }

    /// The cases a search of every case finds (`filter` with a search, not `open_only`), at
    /// most `cap` + 1 of them, counted by shown state, service and assignee («» for nobody)
    /// together: one sample from which every facet of the queue is counted at once. When the
    /// counts add up to `cap` or fewer they are every case found. Grouped by the database: a
    /// thousand rows through the driver cost more than reading them.
    pub async fn queue_sample(
        &self,
        filter: &QueueFilter,
        cap: i64,
    ) -> Result<Vec<SampleGroup>, StoreError> {
        let groups: Vec<(String, String, String, i64)> = self
            .sample_found(
                filter,
                cap,
                &format!(
                    "SELECT s, v, g, COUNT(*) AS n FROM (SELECT {SHOWN_STATE} AS s, \
                     a.service_id AS v, {ASSIGNEE_KEY} AS g"
                ),
                ") capped GROUP BY s, v, g",
                |groups: &[(String, String, String, i64)]| {
                    groups.iter().fold(0_i64, |t, g| t.saturating_add(g.3))
                },
            )
            .await?;
        Ok(groups
            .into_iter()
            .map(|(state, service, assignee, cases)| SampleGroup {
                state,
                service,
                assignee,
                cases,
            })
            .collect())
    }

    /// Reads `head` … `tail` around the first `cap` + 1 cases a search finds (`head` selects
    /// from the found cases, whose statement ends with their `LIMIT`); `cases` tells how many
    /// cases the rows read stand for. The newest matches
    /// first, as many as the cap, more while the filters leave fewer; past the most it merges,
    /// every match as the database finds them.
    async fn sample_found<T>(
        &self,
        filter: &QueueFilter,
        cap: i64,
        head: &str,
        tail: &str,
        cases: impl Fn(&[T]) -> i64,
    ) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut wanted = cap.saturating_add(1).max(64);
        loop {
            let newest = if wanted > MAX_NEWEST {
                None
            } else {
                self.newest_for(filter, wanted).await?
            };
            let (conditions, binds) =
                queue_conditions(filter, newest.as_ref(), self.store().backend());
            let sql = format!(
                "{head} FROM applications a \
                 JOIN protocol_registrations r ON r.application_id = a.filing_id \
                 WHERE {} = $1 AND {} = $1{conditions} LIMIT ${}{tail}",
                ente_of_a(filter),
                ente_of_r(newest.as_ref()),
                binds.len() + 2
            );
            let q = sqlx::query_as::<_, T>(&sql).bind(self.ente().get());
            let rows = bind_all(q, &binds, self.store())
                .bind(cap.saturating_add(1))
                .fetch_all(self.store().reader())
                .await?;
            match newest {
                Some(n) if n.more && cases(&rows) <= cap => {
                    wanted = wanted.saturating_mul(4);
                }
                _ => return Ok(rows),
            }
        }
    }

    /// The open cases `filter` lets through, counted by `facet`: exact, from the open cases'
    /// own index (migration 0053), whatever the ente's history. Without a search the
    /// registrations are not read.
    async fn open_queue_counts(
        &self,
        filter: &QueueFilter,
        facet: QueueFacet,
    ) -> Result<QueueCounts, StoreError> {
        let (conditions, binds) = queue_conditions(filter, None, self.store().backend());
        let key = match facet {
            QueueFacet::State => SHOWN_STATE.to_string(),
            QueueFacet::Service => "a.service_id".to_string(),
            QueueFacet::Assignee => ASSIGNEE_KEY.to_string(),
        };
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS n FROM {} WHERE {} = $1 AND {FILED}{conditions} \
             GROUP BY {key} ORDER BY {key}",
            open_from(filter),
            ente_of_a(filter)
        );
        let q = sqlx::query_as::<_, (String, i64)>(&sql).bind(self.ente().get());
        Ok(QueueCounts {
            counts: bind_all(q, &binds, self.store())
                .fetch_all(self.store().reader())
                .await?,
            exact: true,
        })
    }

    /// How many open cases `filter` (its term view aside) lets through in all and in each
    /// view of [`TermView::ALL`], in that order: one pass over the open cases' index.
    pub async fn open_view_counts(&self, filter: &QueueFilter) -> Result<Vec<i64>, StoreError> {
        let all = QueueFilter {
            open_only: true,
            term: None,
            ..filter.clone()
        };
        let (conditions, mut binds) = queue_conditions(&all, None, self.store().backend());
        binds.push(QueueBind::Int(filter.today));
        let today = format!("${}", binds.len() + 1);
        let sums: Vec<String> = TermView::ALL
            .iter()
            .map(|v| {
                format!(
                    "CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)",
                    v.condition(&today)
                )
            })
            .collect();
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT), {} FROM {} WHERE {} = $1 AND {FILED}{conditions}",
            sums.join(", "),
            open_from(&all),
            ente_of_a(&all)
        );
        let mut q = sqlx::query(&sql)
            .persistent(self.store().keep_prepared())
            .bind(self.ente().get());
        for b in &binds {
            q = match b {
                QueueBind::Text(t) => q.bind(t.as_str()),
                QueueBind::Int(i) => q.bind(*i),
            };
        }
        let row = q.fetch_one(self.store().reader()).await?;
        (0..=TermView::ALL.len())
            .map(|i| row.try_get::<i64, _>(i).map_err(StoreError::from))
            .collect()
    }

    /// The ente's open cases whose kept term is not written for their present state
    /// (`term_kept` = 0), up to `limit`: rows written before migration 0053, by the bulk path
    /// or by an older process.
    pub async fn unkept_open_cases(&self, limit: i64) -> Result<Vec<QueueRow>, StoreError> {
        Ok(sqlx::query_as::<_, QueueRow>(&format!(
            "{QUEUE_LIST_SELECT} WHERE a.ente_id = $1 AND r.ente_id = $1 AND {OPEN_CASES} \
             AND a.term_kept = 0 AND {FILED} ORDER BY a.id LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Marks the kept term of the ente's open cases (of one service, when named) as to be
    /// written again: the calendar changed, or the service's term with its adoption.
    pub async fn unkeep_open_terms(&self, service_id: Option<&str>) -> Result<u64, StoreError> {
        Ok(sqlx::query(&format!(
            "UPDATE applications SET term_kept = 0 WHERE id IN (SELECT a.id FROM applications a \
             WHERE a.ente_id = $1 AND {OPEN_CASES} AND ($2 IS NULL OR a.service_id = $2))"
        ))
        .bind(self.ente().get())
        .bind(service_id)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected())
    }

    /// Writes the kept terms of these cases, each only if its state is still the one given
    /// (so that a move meanwhile, which keeps its own term, is not overwritten with the term
    /// of the state before) and it is still unkept. Returns the cases written.
    pub async fn keep_terms(
        &self,
        terms: &[(&str, Option<&str>, KeptTermRow)],
    ) -> Result<usize, StoreError> {
        let mut tx = self.store().begin().await?;
        let mut written = 0usize;
        for (id, state, t) in terms {
            let sql = format!("{KEEP_TERM} AND COALESCE(case_state, '') = $7 AND term_kept = 0");
            let done = bind_term(sqlx::query(&sql), t, id, self.ente().get())
                .bind(state.unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            written = written.saturating_add(usize::try_from(done.rows_affected()).unwrap_or(0));
        }
        tx.commit().await?;
        Ok(written)
    }

    /// [`Self::queue_counts`] from the kept counts: the sum of each key's rows.
    async fn kept_queue_counts(
        &self,
        filter: &QueueFilter,
        facet: QueueFacet,
    ) -> Result<QueueCounts, StoreError> {
        let mut conditions = String::new();
        let mut binds = Vec::new();
        let mut next = |b: QueueBind| {
            binds.push(b);
            format!("${}", binds.len() + 1)
        };
        if filter.open_only {
            conditions.push_str(&format!(" AND c.state IN {OPEN_SHOWN_STATES}"));
        }
        if let Some(state) = &filter.state {
            conditions.push_str(&format!(
                " AND c.state = {}",
                next(QueueBind::Text(state.clone()))
            ));
        }
        if let Some(service) = &filter.service {
            conditions.push_str(&format!(
                " AND c.service_id = {}",
                next(QueueBind::Text(service.clone()))
            ));
        }
        if let Some(services) = &filter.services {
            let list: Vec<String> = services
                .iter()
                .map(|s| next(QueueBind::Text(s.clone())))
                .collect();
            if list.is_empty() {
                conditions.push_str(" AND 1 = 0");
            } else {
                conditions.push_str(&format!(" AND c.service_id IN ({})", list.join(", ")));
            }
        }
        match filter.assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Nobody => conditions.push_str(" AND c.assignee = ''"),
            AssigneeFilter::Person(id) => conditions.push_str(&format!(
                " AND c.assignee = {}",
                next(QueueBind::Text(id.to_string()))
            )),
        }
        let key = match facet {
            QueueFacet::State => "c.state",
            QueueFacet::Service => "c.service_id",
            QueueFacet::Assignee => "c.assignee",
        };
        let sql = format!(
            "SELECT {key} AS k, CAST(SUM(c.n) AS BIGINT) AS n FROM queue_counts c \
             WHERE c.ente_id = $1{conditions} GROUP BY {key} HAVING SUM(c.n) <> 0 ORDER BY {key}"
        );
        let q = sqlx::query_as::<_, (String, i64)>(&sql).bind(self.ente().get());
        Ok(QueueCounts {
            counts: bind_all(q, &binds, self.store())
                .fetch_all(self.store().reader())
                .await?,
            exact: true,
        })
    }

    /// The ente's filed applications (up to `limit`) whose own copy of their registration's
    /// year and number (migration 0049, the order of one service's queue) is missing or
    /// differs from the registration: (application id, registration year, number). Empty unless
    /// something wrote around the registrar. Read by the register's verification.
    pub async fn misnumbered_applications(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        Ok(sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT a.id, r.year, r.number FROM applications a \
             JOIN protocol_registrations r ON r.application_id = a.filing_id \
             WHERE a.ente_id = $1 AND r.ente_id = $1 AND (a.registered_year IS NULL \
             OR a.registered_number IS NULL OR a.registered_year <> r.year \
             OR a.registered_number <> r.number) ORDER BY r.year, r.number LIMIT $2",
        )
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// One filed application of the ente, as the queue shows it: the case page reads its
    /// case alone, never the whole queue.
    pub async fn queue_row(&self, application_id: &str) -> Result<Option<QueueRow>, StoreError> {
        Ok(sqlx::query_as::<_, QueueRow>(&format!(
            "{QUEUE_SELECT} WHERE a.id = $2 AND a.ente_id = $1 AND r.ente_id = $1"
        ))
        .bind(self.ente().get())
        .bind(application_id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// The ente's patron day (month, day), if set.
    pub async fn patron_day(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let row = sqlx::query("SELECT patron_month, patron_day FROM enti WHERE id = $1")
            .bind(self.ente().get())
            .fetch_one(self.store().reader())
            .await?;
        let month: Option<i64> = row.try_get("patron_month")?;
        let day: Option<i64> = row.try_get("patron_day")?;
        Ok(month.zip(day))
    }

    pub async fn set_patron_day(&self, month: i64, day: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE enti SET patron_month = $1, patron_day = $2 WHERE id = $3")
            .bind(month)
            .bind(day)
            .bind(self.ente().get())
            .execute(&self.store().write_pool())
            .await?;
        Ok(())
    }
}

impl crate::tenancy::TenantTx {
    /// The case's events in order, inside the caller's transaction.
    pub async fn case_events_in(
        &mut self,
        application_id: &str,
    ) -> Result<Vec<CaseEventRow>, StoreError> {
        let ente = self.ente();
        Ok(sqlx::query_as::<_, CaseEventRow>(
            "SELECT at, kind, state, actor FROM case_events WHERE application_id = $1 AND ente_id = $2 ORDER BY at, id",
        )
        .bind(application_id)
        .bind(ente.get())
        .fetch_all(&mut **self.tx())
        .await?)
    }

    /// Records an event that does not move the case (an assignment), inside the caller's
    /// transaction: the case's state is left as it is, whatever moved it meanwhile. A case that
    /// is not this ente's is refused, and nothing is written.
    pub async fn record_event_in_place(
        &mut self,
        application_id: &str,
        at: i64,
        kind: CaseEventKind,
        actor: &str,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let done = sqlx::query(
            "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) \
             SELECT id, ente_id, $3, $4, COALESCE(case_state, 'protocollata'), $5 FROM applications \
             WHERE id = $1 AND ente_id = $2",
        )
        .bind(application_id)
        .bind(ente.get())
        .bind(at)
        .bind(kind.code())
        .bind(actor)
        .execute(&mut **self.tx())
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        Ok(())
    }

    /// Writes a case's kept term (migration 0053) inside the caller's transaction.
    pub async fn keep_term(
        &mut self,
        application_id: &str,
        term: &KeptTermRow,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        bind_term(sqlx::query(KEEP_TERM), term, application_id, ente.get())
            .execute(&mut **self.tx())
            .await?;
        Ok(())
    }

    /// Sets a case's state and records the event, inside the caller's transaction. A case
    /// that is not this ente's is refused, and nothing is written.
    pub async fn record_case_event(
        &mut self,
        application_id: &str,
        at: i64,
        kind: CaseEventKind,
        state: CaseState,
        actor: &str,
    ) -> Result<(), StoreError> {
        let ente = self.ente();
        let tx = self.tx();
        let moved =
            sqlx::query("UPDATE applications SET case_state = $1 WHERE id = $2 AND ente_id = $3")
                .bind(state.code())
                .bind(application_id)
                .bind(ente.get())
                .execute(&mut **tx)
                .await?;
        if moved.rows_affected() != 1 {
            return Err(crate::tenancy::not_this_entes(application_id));
        }
        sqlx::query(
            "INSERT INTO case_events (application_id, ente_id, at, kind, state, actor) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(application_id)
        .bind(ente.get())
        .bind(at)
        .bind(kind.code())
        .bind(state.code())
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
