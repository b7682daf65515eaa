//! Accountability (issue 19): the times of each ente's cases against their legal terms and
//! the region's, counted as cases are filed and concluded; what residents say of pages and
//! services, anonymous; the office's answers (`ratings`). See docs/design/accountability.md.

mod ratings;

pub use ratings::{RatingSent, RatingSummary};

use std::collections::{BTreeMap, HashMap};

use sportello_domain::accountability::times::next_month;
use sportello_domain::accountability::{
    case_time, maturity, median, month_key, quantile, Channel, Maturity, MonthCounts,
};
use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::CaseEventKind;
use sportello_domain::tenancy::EnteId;
use sportello_store::{from_millis, to_millis, CaseEventRow, Conclusion, TimeCounts};
use time::format_description::well_known::Rfc3339;

use crate::back_office::CaseContext;
use crate::capabilities::Accountability;
use crate::{App, AppError};

/// Where a service the ente offers stands on the ladder, given whether the ente takes pagoPA
/// payments.
pub fn maturity_of(
    service: &crate::applications::OfferedService,
    takes_payments: bool,
) -> Maturity {
    let fees = service
        .overrides
        .fees
        .as_ref()
        .unwrap_or(&service.definition.fees);
    maturity(&service.definition, !fees.is_empty(), takes_payments)
}

/// Whether an event concludes a case with a decision: `Some(silent)` if so.
pub(crate) fn decision(kind: CaseEventKind) -> Option<bool> {
    match kind {
        CaseEventKind::Accepted
        | CaseEventKind::Rejected
        | CaseEventKind::SciaProhibited
        | CaseEventKind::SciaConsolidated => Some(false),
        CaseEventKind::SilentConsent => Some(true),
        _ => None,
    }
}

fn rome_date_of(registered_at: &str) -> Option<time::Date> {
    time::OffsetDateTime::parse(registered_at, &Rfc3339)
        .ok()
        .map(|t| in_rome(t).date())
}

impl App {
    /// Counts a case's decision in its month, inside the transaction that records it (an event
    /// that decides nothing counts nothing).
    pub(crate) async fn count_decision(
        &self,
        tx: &mut sportello_store::TenantTx,
        ctx: &CaseContext,
        kind: CaseEventKind,
    ) -> Result<(), AppError> {
        let Some(silent) = decision(kind) else {
            return Ok(());
        };
        let today = in_rome(self.now()).date();
        let filed = rome_date_of(&ctx.head.registered_at).unwrap_or(today);
        let t = case_time(
            filed,
            today,
            ctx.service.definition.regime,
            &crate::cases::suspensions(&ctx.events),
            &ctx.calendar,
            silent,
        );
        tx.count_conclusion(
            &ctx.service.definition.id,
            month_key(today),
            Conclusion::Decided(t),
            to_millis(self.now()),
        )
        .await?;
        Ok(())
    }

    /// Counts a withdrawal in this month.
    pub(crate) async fn count_withdrawal(
        &self,
        tx: &mut sportello_store::TenantTx,
        service_id: &str,
    ) -> Result<(), AppError> {
        let month = month_key(in_rome(self.now()).date());
        tx.count_conclusion(
            service_id,
            month,
            Conclusion::Withdrawn,
            to_millis(self.now()),
        )
        .await?;
        Ok(())
    }

    /// Counts, once, the cases filed before the counts existed (a database migrated from an
    /// earlier version): every filing, decision and withdrawal its events record, all in one
    /// transaction with the mark that they were counted, so that two processes starting
    /// together count them once.
    pub(crate) async fn count_earlier_cases(&self) -> Result<(), AppError> {
        if self.store.accountability_state().await?.1 {
            return Ok(());
        }
        let mut months: BTreeMap<(EnteId, String, i64), MonthCounts> = BTreeMap::new();
        let mut days: BTreeMap<(EnteId, String, i64, i64), i64> = BTreeMap::new();
        let mut services: HashMap<(EnteId, String), Regime> = HashMap::new();
        let mut calendars = HashMap::new();
        let mut after = String::new();
        loop {
            let page = self
                .store
                .region_wide()
                .filed_cases_after(&after, 500)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.0.clone();
            for (id, ente, service_id, mode, submitted_at) in page {
                let filed = in_rome(from_millis(submitted_at)).date();
                let entry = months
                    .entry((ente, service_id.clone(), month_key(filed)))
                    .or_default();
                let n = match Channel::of_mode(&mode) {
                    Channel::Online => &mut entry.filed_online,
                    Channel::Assisted => &mut entry.filed_assisted,
                    Channel::Intermediary => &mut entry.filed_intermediary,
                };
                *n = n.saturating_add(1);
                let events = self.store.tenant(ente).case_events(&id).await?;
                let Some((at, kind)) = events
                    .iter()
                    .find(|e| decision(e.kind).is_some() || e.kind == CaseEventKind::Withdrawn)
                    .map(|e| (e.at, e.kind))
                else {
                    continue;
                };
                let on = in_rome(from_millis(at)).date();
                let entry = months
                    .entry((ente, service_id.clone(), month_key(on)))
                    .or_default();
                let Some(silent) = decision(kind) else {
                    entry.withdrawn = entry.withdrawn.saturating_add(1);
                    continue;
                };
                let regime = match services.get(&(ente, service_id.clone())) {
                    Some(r) => *r,
                    None => {
                        let r = self
                            .catalogue()
                            .offered_service(ente, &service_id)
                            .await
                            .map(|s| s.definition.regime)
                            .unwrap_or(Regime::Immediate);
                        services.insert((ente, service_id.clone()), r);
                        r
                    }
                };
                let calendar = match calendars.get(&ente) {
                    Some(c) => *c,
                    None => {
                        let c = self.ente_calendar(ente).await?;
                        calendars.insert(ente, c);
                        c
                    }
                };
                let before: Vec<&CaseEventRow> = events.iter().filter(|e| e.at < at).collect();
                let t = case_time(
                    filed,
                    on,
                    regime,
                    &crate::cases::suspensions(before),
                    &calendar,
                    silent,
                );
                entry.decided = entry.decided.saturating_add(1);
                entry.within_term = entry.within_term.saturating_add(i64::from(t.within_term));
                entry.silent = entry.silent.saturating_add(i64::from(t.silent));
                if !t.silent {
                    let d = days
                        .entry((ente, service_id.clone(), month_key(on), t.days))
                        .or_default();
                    *d = d.saturating_add(1);
                }
            }
        }
        let mut tx = self.store.begin().await?;
        if !sportello_store::Store::mark_counted(&mut tx).await? {
            return Ok(());
        }
        sportello_store::Store::add_case_counts(&mut tx, &months, &days, to_millis(self.now()))
            .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        tracing::info!(
            groups = months.len(),
            "cases filed before the counts were counted"
        );
        Ok(())
    }

    /// Rolls the region's sums up when they are older than `every_ms`.
    pub(crate) async fn roll_up_region_times(&self, every_ms: i64) -> Result<bool, AppError> {
        let now = to_millis(self.now());
        let (rolled_at, _) = self.store.accountability_state().await?;
        // A clock set back (a restored machine) rolls up too, rather than never again.
        if rolled_at <= now && now.saturating_sub(rolled_at) < every_ms {
            return Ok(false);
        }
        self.store.roll_up_region_times(now).await?;
        let _ = self
            .store
            .forget_rating_sessions(now.saturating_sub(RATING_MEMORY_MS))
            .await?;
        Ok(true)
    }
}

/// How long the region's sums may be old before the jobs roll them up again.
pub const ROLL_UP_EVERY_MS: i64 = 10 * 60 * 1000;
/// How long a session is remembered as having rated a page: a month.
const RATING_MEMORY_MS: i64 = 31 * 24 * 3600 * 1000;

/// A period of whole months, `from..=to` as month keys (202601 ..= 202611).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

/// The longest period a dashboard shows: ten years.
pub const PERIOD_MONTHS_MAX: usize = 120;

impl Period {
    /// The twelve months up to `today`'s.
    pub fn last_year(today: time::Date) -> Period {
        let to = month_key(today);
        let from = month_key(
            today
                .replace_day(1)
                .ok()
                .and_then(|d| d.replace_year(d.year() - 1).ok())
                .unwrap_or(today),
        );
        Period {
            from: next_month(from).unwrap_or(from),
            to,
        }
    }

    /// A period from two "YYYY-MM" texts, if they name months in order at most ten years apart.
    pub fn parse(from: &str, to: &str) -> Option<Period> {
        let key = |s: &str| -> Option<i64> {
            let (y, m) = s.trim().split_once('-')?;
            let y: i64 = y.parse().ok()?;
            let m: i64 = m.parse().ok()?;
            let k = y.checked_mul(100)?.checked_add(m)?;
            sportello_domain::accountability::month_of_key(k).map(|_| k)
        };
        let p = Period {
            from: key(from)?,
            to: key(to)?,
        };
        (p.from <= p.to && p.months().len() <= PERIOD_MONTHS_MAX).then_some(p)
    }

    /// Its months in order (at most [`PERIOD_MONTHS_MAX`] + 1 are walked).
    pub fn months(&self) -> Vec<i64> {
        let mut out = Vec::new();
        let mut m = self.from;
        while m <= self.to && out.len() <= PERIOD_MONTHS_MAX {
            out.push(m);
            match next_month(m) {
                Some(n) => m = n,
                None => break,
            }
        }
        out
    }

    /// "2026-11", as forms and addresses write a month.
    pub fn text(key: i64) -> String {
        format!("{}-{:02}", key / 100, key % 100)
    }
}

/// One service's times over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTimes {
    pub service_id: String,
    pub title: String,
    /// The legal term (or a SCIA's control window), if the service has one.
    pub term_days: Option<u32>,
    pub counts: MonthCounts,
    /// Cases open at the period's end, and how that changed over it.
    pub open_at_end: i64,
    pub open_change: i64,
    pub median_days: Option<i64>,
    pub p90_days: Option<i64>,
    /// Its level on the ladder; for the region, (level, enti) for each level met.
    pub maturity: Vec<(Maturity, i64)>,
}

/// One month of the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthTimes {
    pub month: i64,
    pub filed: i64,
    pub decided: i64,
    pub within_term_permille: Option<i64>,
    pub median_days: Option<i64>,
}

/// A times dashboard: an ente's or the region's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesReport {
    pub period: Period,
    pub services: Vec<ServiceTimes>,
    pub total: ServiceTimes,
    pub trend: Vec<MonthTimes>,
    /// For the region: when its sums were rolled up (Unix ms).
    pub rolled_at: Option<i64>,
}

/// What the dashboard needs to know of each service beside its counts.
struct ServiceFacts {
    id: String,
    title: String,
    term_days: Option<u32>,
    maturity: Vec<(Maturity, i64)>,
}

fn report(counts: TimeCounts, period: Period, facts: Vec<ServiceFacts>) -> TimesReport {
    let mut by_service: BTreeMap<&str, (MonthCounts, i64, i64)> = BTreeMap::new();
    let mut by_month: BTreeMap<i64, MonthCounts> = BTreeMap::new();
    for (service, open) in &counts.open_before {
        let e = by_service.entry(service.as_str()).or_default();
        e.1 = e.1.saturating_add(*open);
    }
    for row in &counts.months {
        let e = by_service.entry(row.service_id.as_str()).or_default();
        let open = row
            .counts
            .filed()
            .unwrap_or(0)
            .saturating_sub(row.counts.concluded().unwrap_or(0));
        if row.month < period.from {
            e.1 = e.1.saturating_add(open);
        } else if row.month <= period.to {
            e.0 = e.0.checked_add(&row.counts).unwrap_or(e.0);
            e.2 = e.2.saturating_add(open);
            let m = by_month.entry(row.month).or_default();
            *m = m.checked_add(&row.counts).unwrap_or(*m);
        }
    }
    let histogram = |service: Option<&str>| -> Vec<(i64, i64)> {
        match service {
            None => counts.days_total.clone(),
            Some(id) => counts
                .days_by_service
                .iter()
                .find(|(s, _)| s == id)
                .map(|(_, h)| h.clone())
                .unwrap_or_default(),
        }
    };
    let line = |id: String,
                title: String,
                term_days: Option<u32>,
                maturity: Vec<(Maturity, i64)>,
                c: (MonthCounts, i64, i64),
                h: Vec<(i64, i64)>| ServiceTimes {
        service_id: id,
        title,
        term_days,
        counts: c.0,
        open_at_end: c.1.saturating_add(c.2),
        open_change: c.2,
        median_days: median(&h),
        p90_days: quantile(&h, 9, 10),
        maturity,
    };
    let mut total = (MonthCounts::default(), 0i64, 0i64);
    let mut services = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for f in &facts {
        named.push(&f.id);
    }
    for f in facts.iter() {
        let c = by_service.get(f.id.as_str()).copied().unwrap_or_default();
        services.push(line(
            f.id.clone(),
            f.title.clone(),
            f.term_days,
            f.maturity.clone(),
            c,
            histogram(Some(&f.id)),
        ));
    }
    // A service no longer offered still counts in its past months.
    for (id, c) in &by_service {
        if !named.contains(id) {
            services.push(line(
                (*id).to_string(),
                (*id).to_string(),
                None,
                Vec::new(),
                *c,
                histogram(Some(id)),
            ));
        }
    }
    for c in by_service.values() {
        total.0 = total.0.checked_add(&c.0).unwrap_or(total.0);
        total.1 = total.1.saturating_add(c.1);
        total.2 = total.2.saturating_add(c.2);
    }
    let total = line(
        String::new(),
        String::new(),
        None,
        Vec::new(),
        total,
        histogram(None),
    );
    let trend = period
        .months()
        .into_iter()
        .map(|m| {
            let c = by_month.get(&m).copied().unwrap_or_default();
            let h: &[(i64, i64)] = counts
                .days_by_month
                .iter()
                .find(|(month, _)| *month == m)
                .map_or(&[], |(_, h)| h.as_slice());
            MonthTimes {
                month: m,
                filed: c.filed().unwrap_or(0),
                decided: c.decided,
                within_term_permille: c.within_term_permille(),
                median_days: median(h),
            }
        })
        .collect();
    TimesReport {
        period,
        services,
        total,
        trend,
        rolled_at: None,
    }
}

fn title_order(a: &ServiceFacts, b: &ServiceFacts) -> std::cmp::Ordering {
    a.title.cmp(&b.title)
}

impl Accountability<'_> {
    /// The times of an ente's services over `period`.
    pub async fn ente_times(&self, ente: EnteId, period: Period) -> Result<TimesReport, AppError> {
        let app = self.app;
        let counts = app
            .store
            .tenant(ente)
            .time_counts(period.from, period.to)
            .await?;
        let takes_payments = app.store.tenant(ente).creditor().await?.is_some();
        let mut facts: Vec<ServiceFacts> = app
            .catalogue()
            .offered_services(ente)
            .await?
            .into_iter()
            .map(|s| {
                let level = maturity_of(&s, takes_payments);
                ServiceFacts {
                    id: s.definition.id.clone(),
                    title: s.definition.title.clone(),
                    term_days: s.definition.regime.term_days(),
                    maturity: vec![(level, 1)],
                }
            })
            .collect();
        facts.sort_by(title_order);
        Ok(report(counts, period, facts))
    }

    /// The region's times over `period`, as last rolled up.
    pub async fn region_times(&self, period: Period) -> Result<TimesReport, AppError> {
        let app = self.app;
        let region = app.store.region_wide();
        let counts = region.time_counts(period.from, period.to).await?;
        let adoption = region.adoptions_and_payments().await?;
        let definitions = crate::catalogue::regional_catalogue().map_err(AppError::Internal)?;
        let mut facts: Vec<ServiceFacts> = definitions
            .iter()
            .map(|d| {
                let (adopting, paying) = adoption.get(&d.id).copied().unwrap_or((0, 0));
                let best = maturity(d, !d.fees.is_empty(), true);
                let worst = maturity(d, !d.fees.is_empty(), false);
                let levels = if best == worst {
                    vec![(best, adopting)]
                } else {
                    vec![(best, paying), (worst, adopting.saturating_sub(paying))]
                };
                ServiceFacts {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    term_days: d.regime.term_days(),
                    maturity: levels.into_iter().filter(|(_, n)| *n > 0).collect(),
                }
            })
            .collect();
        facts.sort_by(title_order);
        let mut r = report(counts, period, facts);
        let (rolled_at, _) = app.store.accountability_state().await?;
        r.rolled_at = (rolled_at > 0).then_some(rolled_at);
        Ok(r)
    }

    /// Whether the ente takes pagoPA payments (its creditor data are set).
    pub async fn takes_payments(&self, ente: EnteId) -> Result<bool, AppError> {
        Ok(self.app.store.tenant(ente).creditor().await?.is_some())
    }

    /// A service's median days over the last twelve months at an ente, and how many decisions
    /// it is the median of (the service's page says it when there are some).
    pub async fn service_median(
        &self,
        ente: EnteId,
        service_id: &str,
    ) -> Result<Option<(i64, i64)>, AppError> {
        let period = Period::last_year(in_rome(self.app.now()).date());
        let h = self
            .app
            .store
            .tenant(ente)
            .service_days(service_id, period.from, period.to)
            .await?;
        let decided = h.iter().map(|(_, n)| *n).fold(0i64, i64::saturating_add);
        Ok(median(&h).map(|m| (m, decided)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods() {
        let p = Period::last_year(date!(2026 - 12 - 06));
        assert_eq!((p.from, p.to), (202_601, 202_612));
        assert_eq!(p.months().len(), 12);
        assert_eq!(
            Period::parse("2025-11", "2026-02"),
            Some(Period {
                from: 202_511,
                to: 202_602
            })
        );
        assert_eq!(Period::parse("2026-02", "2025-11"), None);
        assert_eq!(Period::parse("2026-13", "2026-12"), None);
        assert_eq!(
            Period::parse("2000-01", "2026-12"),
            None,
            "ten years at most"
        );
        assert_eq!(Period::parse("x", "2026-12"), None);
        assert_eq!(Period::text(202_601), "2026-01");
    }
}
