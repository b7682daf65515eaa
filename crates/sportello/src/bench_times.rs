//! `sportello bench times` (issue 19): the times dashboards of a region with ten million cases
//! (by default) against the same dashboards with 1,000 cases, in the same run on the same
//! database.
//!
//! A dashboard reads the counts that filings and decisions move (`case_months`,
//! `case_month_days`), never the cases; so the region is written as those counts would stand
//! after its cases: the first 1,000 are Livorno's last twelve months, measured first; then the
//! rest, every ente's ten years, each ente's share by its population, each case's service,
//! channel, month and days drawn as a region's are (most decided in a few weeks, a tail past
//! the term, some silent consents and withdrawals). The region's sums are rolled up as the
//! jobs roll them up; a tenth of the cases is measured on the way. Measured: Livorno's dashboard and the region's over the last twelve
//! months, through the use cases the pages call (HTML rendering left out). The last line
//! printed is a JSON object.

use std::collections::BTreeMap;
use std::time::Instant;

use sportello_app::accountability::Period;
use sportello_domain::accountability::MonthCounts;

use crate::bench::{percentiles, Rng};

pub struct TimesArgs {
    pub cases: usize,
    /// PostgreSQL (a fresh database) instead of a new SQLite file.
    pub database_url: Option<String>,
}

/// The month `back` months before `today`'s.
fn month_back(today: time::Date, back: u64) -> i64 {
    months_after(
        sportello_domain::accountability::month_key(today),
        -i64::try_from(back).unwrap_or(0),
    )
}

/// The month `n` months after month `key` (before it when `n` is negative).
fn months_after(key: i64, n: i64) -> i64 {
    let total = (key / 100) * 12 + key % 100 - 1 + n;
    (total / 12) * 100 + total % 12 + 1
}

// A benchmark tool: it writes the counts straight through the store (the composition root's).
#[allow(clippy::disallowed_methods)]
pub async fn times(args: TimesArgs) -> anyhow::Result<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("sportello-bench-times-{}", std::process::id()));
    let app = crate::bench::region_app(&dir, args.database_url.clone()).await?;
    let enti = app.enti(&Default::default()).await?;
    let population: i64 = enti.iter().map(|e| e.population).sum::<i64>().max(1);
    let livorno = app.ente_by_istat("049009").await?;
    app.catalogue().load_catalogue().await?;
    app.catalogue().adopt_everything_everywhere().await?;
    let services: Vec<String> = app
        .catalogue()
        .offered_services(livorno.ente_id())
        .await?
        .into_iter()
        .map(|s| s.definition.id)
        .collect();
    let today = sportello_domain::calendar::in_rome(time::OffsetDateTime::now_utc()).date();
    let year = Period::last_year(today);
    let mut rng = Rng(19);
    const SMALL: usize = 1_000;
    let mut written = 0usize;
    let mut report = serde_json::Map::new();
    let mut small_p99: BTreeMap<&str, u128> = BTreeMap::new();
    // A tenth of the cases too: whether the cost has stopped growing.
    for (label, size) in [
        ("small", SMALL),
        ("tenth", (args.cases / 10).max(SMALL)),
        ("full", args.cases.max(SMALL)),
    ] {
        let started = Instant::now();
        while written < size {
            let step = (size - written).min(2_000_000);
            let mut months: BTreeMap<(i64, usize, i64), MonthCounts> = BTreeMap::new();
            let mut days: BTreeMap<(i64, usize, i64, i64), i64> = BTreeMap::new();
            for i in written..written + step {
                let recent = i < SMALL;
                let ente = if recent {
                    livorno.id
                } else {
                    let mut draw = i64::try_from(rng.below(u64::try_from(population).unwrap_or(1)))
                        .unwrap_or(0);
                    enti.iter()
                        .find(|e| {
                            draw -= e.population;
                            draw < 0
                        })
                        .map_or(livorno.id, |e| e.id)
                };
                let service = usize::try_from(rng.below(services.len() as u64)).unwrap_or(0);
                let filed = month_back(
                    today,
                    if recent {
                        rng.below(12)
                    } else {
                        rng.below(120)
                    },
                );
                let m = months.entry((ente, service, filed)).or_default();
                match rng.below(20) {
                    0 => m.filed_assisted += 1,
                    1 | 2 => m.filed_intermediary += 1,
                    _ => m.filed_online += 1,
                }
                // Most are decided in a few weeks; a tail goes past the term; some are
                // concluded by silent consent, some withdrawn, a few still open.
                let fate = rng.below(100);
                if fate >= 97 {
                    continue;
                }
                let took = if fate < 80 {
                    3 + rng.below(30)
                } else {
                    20 + rng.below(100)
                };
                // The month of conclusion: `took` days after filing, never after this one.
                let concluded = month_back(today, 0)
                    .min(months_after(filed, i64::try_from(took / 30).unwrap_or(0)));
                let c = months.entry((ente, service, concluded)).or_default();
                if fate >= 94 {
                    c.withdrawn += 1;
                    continue;
                }
                c.decided += 1;
                if fate >= 90 {
                    c.silent += 1;
                } else if took <= 30 {
                    c.within_term += 1;
                }
                if fate < 90 {
                    *days
                        .entry((ente, service, concluded, i64::try_from(took).unwrap_or(0)))
                        .or_default() += 1;
                }
            }
            let months: Vec<(i64, &str, i64, MonthCounts)> = months
                .into_iter()
                .map(|((e, s, m), c)| (e, services.get(s).map_or("", String::as_str), m, c))
                .collect();
            let days: Vec<(i64, &str, i64, i64, i64)> = days
                .into_iter()
                .map(|((e, s, m, d), n)| (e, services.get(s).map_or("", String::as_str), m, d, n))
                .collect();
            app.store().bulk_case_counts(&months, &days).await?;
            written += step;
            eprint!("\rtimes: {written} cases counted");
        }
        eprintln!();
        app.store()
            .roll_up_region_times(sportello_store::to_millis(time::OffsetDateTime::now_utc()))
            .await?;
        let generation = started.elapsed();
        let mut phase = serde_json::Map::new();
        phase.insert("cases".into(), written.into());
        phase.insert("generation_s".into(), generation.as_secs_f64().into());
        // A thousand views each, after ten unmeasured ones: a p99 of a few milliseconds is
        // otherwise the second-slowest of a hundred, whatever the machine was doing then.
        let runs = 1_000;
        for _ in 0..10 {
            app.accountability()
                .ente_times(livorno.ente_id(), year)
                .await?;
            app.accountability().region_times(year).await?;
        }
        for name in ["ente dashboard", "region dashboard"] {
            let mut samples = Vec::with_capacity(runs);
            let mut decided = 0i64;
            for _ in 0..runs {
                let t = Instant::now();
                let r = if name == "ente dashboard" {
                    app.accountability()
                        .ente_times(livorno.ente_id(), year)
                        .await?
                } else {
                    app.accountability().region_times(year).await?
                };
                samples.push(t.elapsed().as_micros());
                decided = r.total.counts.decided;
            }
            let (p50, p99) = percentiles(samples);
            phase.insert(format!("{name} decided in the year"), decided.into());
            phase.insert(format!("{name} p50 µs"), (p50 as u64).into());
            phase.insert(format!("{name} p99 µs"), (p99 as u64).into());
            if label == "small" {
                small_p99.insert(name, p99);
            } else if let Some(small) = small_p99.get(name) {
                phase.insert(
                    format!("{name} p99 ratio"),
                    (p99 as f64 / (*small).max(1) as f64).into(),
                );
            }
        }
        eprintln!("{label}: {}", serde_json::Value::Object(phase.clone()));
        report.insert(label.into(), serde_json::Value::Object(phase));
    }
    report.insert("backend".into(), app.store().backend().name().into());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(serde_json::Value::Object(report))
}
