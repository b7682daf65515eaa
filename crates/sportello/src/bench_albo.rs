//! `sportello bench albo` (issue 18): the albo pretorio of a whole region — by default a million
//! acts across the 273 enti, ten years of them — against the same queries on 1,000 acts, in the
//! same run on the same database.
//!
//! The 1,000 acts are Livorno's last eight months (about four a day, those of the last fortnight
//! online). They are written into two databases; into the second, the rest of the million is
//! written behind them: ten years of every ente's history, each ente's share by its population,
//! all ended. The same queries return the same rows on both — the board, the first page of the
//! register, of a type, of a search — so what the second adds is only the cost of the history
//! behind them: the question is whether a page's cost grows with the albo. The two are measured
//! in turns (one run on each, a thousand times), so the machine's moods fall on both alike.
//!
//! It measures what the public pages ask the store, through the use cases the pages call (HTML
//! rendering is left out), a page of 50 as the portal shows. The last line printed is a JSON
//! object.

use std::time::Instant;

use anyhow::Context as _;
use sportello_app::model::AlboQuery;
use sportello_store::BulkAlboAct;

pub struct AlboArgs {
    pub acts: usize,
    /// PostgreSQL (a fresh database) instead of a new SQLite file.
    pub database_url: Option<String>,
}

const TYPES: [&str; 8] = [
    "delibera-giunta",
    "delibera-consiglio",
    "determinazione",
    "ordinanza",
    "avviso",
    "bando",
    "matrimonio",
    "atto-terzi",
];
const WHAT: [&str; 12] = [
    "Manutenzione straordinaria",
    "Affidamento del servizio",
    "Approvazione del progetto esecutivo",
    "Contributo",
    "Variazione di bilancio",
    "Divieto di transito",
    "Concessione in uso",
    "Nomina della commissione",
    "Acquisto di attrezzature",
    "Liquidazione della spesa",
    "Avviso pubblico",
    "Regolamento comunale",
];
const OBJECT: [&str; 12] = [
    "della scuola primaria",
    "del verde pubblico",
    "della biblioteca comunale",
    "della rete idrica",
    "degli impianti sportivi",
    "dell'illuminazione pubblica",
    "del cimitero",
    "della strada provinciale",
    "del mercato settimanale",
    "dei servizi sociali",
    "del trasporto scolastico",
    "della raccolta dei rifiuti",
];
const PLACES: [&str; 10] = [
    "Carducci",
    "Garibaldi",
    "Mazzini",
    "Verdi",
    "Dante",
    "Marconi",
    "Leopardi",
    "Colombo",
    "Manzoni",
    "Puccini",
];
const REQUESTERS: [&str; 5] = [
    "Ufficio Lavori pubblici",
    "Segreteria generale",
    "Polizia municipale",
    "Ufficio Ambiente",
    "Servizi sociali",
];

use crate::bench::{percentiles, Rng};

// A tool of the composition root: it writes the albo through the store's bulk path.
#[allow(clippy::disallowed_methods)]
pub async fn albo(args: AlboArgs) -> anyhow::Result<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("sportello-bench-albo-{}", std::process::id()));
    let app = crate::bench::region_app(&dir, args.database_url.clone()).await?;
    let enti = app.enti(&Default::default()).await?;
    let population: i64 = enti.iter().map(|e| e.population).sum::<i64>().max(1);
    let livorno = app.ente_by_istat("049009").await?;
    let now = time::OffsetDateTime::now_utc();
    let now_ms = sportello_store::to_millis(now);
    let day_ms = 86_400_000i64;
    let mut rng = Rng(18);
    let mut numbers: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
    let mut written = 0usize;
    // Writes `target - written` more acts, spread over the enti by population and over ten
    // years; about one act in a hundred is online today.
    // The first `SMALL` acts are Livorno's last 240 days; the others, every ente's history
    // from 240 days to ten years back.
    const SMALL: usize = 1_000;
    let mut grow = |target: usize, rng: &mut Rng, written_now: usize| {
        let mut acts = Vec::with_capacity(target.saturating_sub(written_now));
        for i in written_now..target {
            let recent = i < SMALL;
            // The ente: by population (a draw on the cumulative population).
            let mut draw =
                i64::try_from(rng.next() % u64::try_from(population).unwrap_or(1)).unwrap_or(0);
            let ente = if recent {
                enti.iter().find(|e| e.id == livorno.id)
            } else {
                enti.iter()
                    .find(|e| {
                        draw -= e.population;
                        draw < 0
                    })
                    .or(enti.first())
            };
            let Some(ente) = ente else { break };
            let age_days = if recent {
                i64::try_from(rng.next() % 240).unwrap_or(0)
            } else {
                240 + i64::try_from(rng.next() % 3410).unwrap_or(0)
            };
            let online = age_days < 15;
            let start_ms = now_ms - age_days * day_ms - i64::try_from(i % 1000).unwrap_or(0);
            let year = i64::from(sportello_store::from_millis(start_ms).year());
            let number = numbers.entry((ente.id, year)).or_insert(0);
            *number += 1;
            let subject = format!(
                "{} {} {} (n. {})",
                rng.pick(&WHAT),
                rng.pick(&OBJECT),
                rng.pick(&PLACES),
                i
            );
            acts.push(BulkAlboAct {
                ente_id: ente.id,
                year,
                number: *number,
                act_type: rng.pick(&TYPES),
                subject,
                requester: rng.pick(&REQUESTERS),
                start_ms,
                end_ms: start_ms + 15 * day_ms,
                state: if online { "published" } else { "ended" },
                // Unique for up to ten million acts: acts with the same start differ in
                // `i % 1000` (it is in the start) or else in `i / 1000`.
                board_key: start_ms * 10_000 + i64::try_from((i / 1000) % 10_000).unwrap_or(0),
            });
        }
        acts
    };
    let queries: Vec<(&str, AlboQuery, bool)> = vec![
        (
            "board",
            AlboQuery {
                limit: 50,
                ..Default::default()
            },
            false,
        ),
        (
            "board search",
            AlboQuery {
                words: "manutenzione scuola".into(),
                limit: 50,
                ..Default::default()
            },
            false,
        ),
        (
            "history",
            AlboQuery {
                limit: 50,
                ..Default::default()
            },
            true,
        ),
        (
            "history search",
            AlboQuery {
                words: "variazioni di bilancio".into(),
                limit: 50,
                ..Default::default()
            },
            true,
        ),
        (
            "history by type",
            AlboQuery {
                act_type: Some("ordinanza".into()),
                limit: 50,
                ..Default::default()
            },
            true,
        ),
    ];
    // The small albo lives in a database of its own, written with the same first acts: both
    // are measured in turns, one run on each, so that whatever the machine does meanwhile
    // (another process, the clock's frequency, the kernel's caches) falls on both alike.
    let small_db = match &args.database_url {
        Some(url) => Some(
            sportello_store::testing::TestDatabase::postgres(url)
                .await
                .context("a second PostgreSQL database for the small albo")?,
        ),
        None => None,
    };
    let small_app =
        crate::bench::region_app(&dir.join("small"), small_db.as_ref().map(|d| d.url.clone()))
            .await?;
    let mut report = serde_json::Map::new();
    let size = args.acts.max(SMALL);
    let started = Instant::now();
    while written < size {
        let step = (size - written).min(50_000);
        let acts = grow(written + step, &mut rng, written);
        if written < SMALL {
            let small: Vec<_> = acts.iter().take(SMALL - written).cloned().collect();
            small_app
                .store()
                .albo_bulk_insert(&small)
                .await
                .context("writing the small albo")?;
        }
        app.store()
            .albo_bulk_insert(&acts)
            .await
            .context("writing the acts")?;
        written += step;
        eprint!("\ralbo: {written} acts written");
    }
    eprintln!();
    for a in [&small_app, &app] {
        a.store()
            .albo_after_bulk_load()
            .await
            .context("after the bulk load")?;
    }
    report.insert(
        "generation_s".into(),
        started.elapsed().as_secs_f64().into(),
    );
    // One act of Livorno's by its register number (the newest).
    let sample = small_app
        .albo()
        .board(
            livorno.ente_id(),
            &AlboQuery {
                limit: 1,
                ..Default::default()
            },
            true,
        )
        .await?
        .into_iter()
        .next()
        .and_then(|e| e.row.year.zip(e.row.number));
    let apps = [("small", &small_app), ("full", &app)];
    let mut phases = [serde_json::Map::new(), serde_json::Map::new()];
    phases[0].insert("acts".into(), SMALL.into());
    phases[1].insert("acts".into(), written.into());
    // A thousand runs each after ten unmeasured ones: at a few milliseconds a p99 of 200
    // is the second-slowest pair, whatever the machine was doing then.
    let runs = 1_000;
    let mut measured: Vec<(String, [Vec<u128>; 2], [usize; 2])> = Vec::new();
    for (name, q, history) in &queries {
        let mut samples = [Vec::with_capacity(runs), Vec::with_capacity(runs)];
        let mut rows = [0usize; 2];
        for run in 0..runs + 10 {
            for ((_, a), (rows, samples)) in
                apps.iter().zip(rows.iter_mut().zip(samples.iter_mut()))
            {
                let t = Instant::now();
                *rows = a.albo().board(livorno.ente_id(), q, *history).await?.len();
                if run >= 10 {
                    samples.push(t.elapsed().as_micros());
                }
            }
        }
        measured.push((name.to_string(), samples, rows));
    }
    if let Some((year, number)) = sample {
        let mut samples = [Vec::with_capacity(runs), Vec::with_capacity(runs)];
        for run in 0..runs + 10 {
            for ((_, a), samples) in apps.iter().zip(samples.iter_mut()) {
                let t = Instant::now();
                a.albo()
                    .public_entry(livorno.ente_id(), year, number)
                    .await?;
                if run >= 10 {
                    samples.push(t.elapsed().as_micros());
                }
            }
        }
        measured.push(("act page".to_string(), samples, [1, 1]));
    }
    for (name, samples, rows) in measured {
        let [small, full] = samples;
        let (s50, s99) = percentiles(small);
        let (f50, f99) = percentiles(full);
        for (phase, (p50, p99, rows)) in phases
            .iter_mut()
            .zip([(s50, s99, rows[0]), (f50, f99, rows[1])])
        {
            phase.insert(format!("{name} rows"), rows.into());
            phase.insert(format!("{name} p50 µs"), (p50 as u64).into());
            phase.insert(format!("{name} p99 µs"), (p99 as u64).into());
        }
        phases[1].insert(
            format!("{name} p99 ratio"),
            (f99 as f64 / s99.max(1) as f64).into(),
        );
        phases[1].insert(
            format!("{name} p50 ratio"),
            (f50 as f64 / s50.max(1) as f64).into(),
        );
    }
    for ((label, _), phase) in apps.iter().zip(phases) {
        eprintln!("{label}: {}", serde_json::Value::Object(phase.clone()));
        report.insert((*label).into(), serde_json::Value::Object(phase));
    }
    report.insert("backend".into(), app.store().backend().name().into());
    drop(small_app);
    drop(small_db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(serde_json::Value::Object(report))
}
