//! `sportello bench region` (issue 21): ten years of a region's filings — ten million by
//! default — against 1,000, in the same run, through the same load generator.
//!
//! Each database is made the same way: the demo region (273 municipalities, the catalogue
//! adopted everywhere, the demo's staff), then the filings written by the store's bulk path
//! (`Store::bulk_file`): each municipality's share by its population, spread over ten years
//! up to today, every one numbered and hash-chained in its AOO's register year by year, with
//! its case's events up to its state (most decided within weeks, some suspended for
//! integration, some withdrawn, the last weeks' still open), a few attachments from a pool of
//! small blobs, and the counts the dashboards read moved as the filings and decisions move
//! them. Deterministic from `--seed` and the day it runs.
//!
//! Then a demo server is started on each database and the pages people use are asked for in
//! turn, small database then large, request by request (one at a time, so each latency is the
//! page's own): the office's queue as an operator of Livorno sees it (first page, every case,
//! filtered by service, searched by number and by name), one case page, the register's
//! search, a resident's personal area and case page, the municipality's home, services,
//! dashboard and albo, the API's lists. Printed: p50, p99 and the ratio large/small for each,
//! and each server's peak memory. The last line printed is a JSON object.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use sportello_domain::accountability::{case_time, month_key, MonthCounts};
use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::deadlines::{HolidayCalendar, Suspension, SuspensionKind};
use sportello_domain::protocol::{AttachmentRecord, Direction, Registration, GENESIS};
use sportello_store::{BulkFiling, BulkHead};
use time::format_description::well_known::Rfc3339;

use crate::bench::{percentiles, Rng, Server};

pub struct RegionArgs {
    pub applications: usize,
    pub small: usize,
    /// PostgreSQL databases (fresh) for the large and the small region; SQLite files otherwise.
    pub database_url: Option<String>,
    pub small_database_url: Option<String>,
    pub seed: u64,
    /// Requests per page and database.
    pub requests: usize,
    /// SQLite: where the regions are built and kept, to be measured again without building.
    pub keep: Option<PathBuf>,
}

const LIVORNO: &str = "049009";
const DAY_MS: i64 = 86_400_000;
/// Filings written per transaction.
const BATCH: usize = 2_000;
/// The bench's resident: numbered test person `prova-N` with this N has a history in Livorno.
const RESIDENT: u32 = 9_999_001;

/// A service the generator files, with what its filings look like.
struct Kind {
    id: &'static str,
    subject: &'static str,
    classification: &'static str,
    /// How many in a thousand filings are for it.
    weight: u64,
    /// An attachment's field and file name, if it has one.
    file: Option<(&'static str, &'static str)>,
}

const KINDS: [Kind; 9] = [
    Kind {
        id: "cambio-residenza",
        subject: "Cambio di residenza — domanda online",
        classification: "XI.1 Servizi demografici - Anagrafe",
        weight: 250,
        file: Some(("contratto", "contratto-locazione.pdf")),
    },
    Kind {
        id: "passo-carrabile",
        subject: "Autorizzazione di passo carrabile — domanda online",
        classification:
            "VI.5 Pianificazione e gestione del territorio - Occupazione di suolo pubblico",
        weight: 80,
        file: Some(("planimetria", "planimetria.pdf")),
    },
    Kind {
        id: "contrassegno-disabili",
        subject: "Contrassegno di parcheggio per persone con disabilità (CUDE) — domanda online",
        classification: "VI.5 Pianificazione e gestione del territorio - Viabilità e mobilità",
        weight: 90,
        file: None,
    },
    Kind {
        id: "occupazione-suolo-pubblico",
        subject: "Occupazione di suolo pubblico — domanda online",
        classification:
            "VI.5 Pianificazione e gestione del territorio - Occupazione di suolo pubblico",
        weight: 160,
        file: None,
    },
    Kind {
        id: "accesso-atti",
        subject: "Accesso ai documenti amministrativi — domanda online",
        classification: "I.6 Amministrazione generale - Accesso agli atti",
        weight: 90,
        file: None,
    },
    Kind {
        id: "accesso-civico-generalizzato",
        subject: "Accesso civico generalizzato (FOIA) — domanda online",
        classification: "I.6 Amministrazione generale - Accesso agli atti",
        weight: 40,
        file: None,
    },
    Kind {
        id: "cila",
        subject: "Comunicazione di inizio lavori asseverata (CILA) — domanda online",
        classification: "VI.3 Pianificazione e gestione del territorio - Edilizia privata",
        weight: 120,
        file: Some(("relazione", "relazione-tecnica.pdf")),
    },
    Kind {
        id: "scia-esercizio-vicinato",
        subject: "SCIA per l'apertura di un esercizio di vicinato — domanda online",
        classification: "VIII.4 Attività economiche - Commercio",
        weight: 40,
        file: None,
    },
    Kind {
        id: "segnalazione-reclamo",
        subject: "Segnalazione o reclamo — domanda online",
        classification: "I.7 Amministrazione generale - Relazioni con il pubblico",
        weight: 130,
        file: None,
    },
];

const GIVEN: [&str; 24] = [
    "Marco",
    "Giulia",
    "Luca",
    "Francesca",
    "Alessandro",
    "Chiara",
    "Andrea",
    "Sara",
    "Matteo",
    "Elena",
    "Lorenzo",
    "Martina",
    "Davide",
    "Valentina",
    "Simone",
    "Alessia",
    "Federico",
    "Giorgia",
    "Riccardo",
    "Laura",
    "Paolo",
    "Anna",
    "Stefano",
    "Irene",
];
const FAMILY: [&str; 32] = [
    "Rossi",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Bartolini",
];
const STREETS: [&str; 12] = [
    "Via Grande",
    "Via Roma",
    "Via Garibaldi",
    "Corso Italia",
    "Via Mazzini",
    "Via Cavour",
    "Viale Carducci",
    "Via Marradi",
    "Via Ricasoli",
    "Piazza della Repubblica",
    "Via Verdi",
    "Via dei Mille",
];

/// What the pages are asked about, drawn from what was generated.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct Samples {
    /// Livorno's filings: (application id, year, number, family name), a few hundred.
    livorno: Vec<(String, i64, i64, String)>,
    /// The resident's own filings in Livorno.
    resident: Vec<String>,
}

/// A database made and filled.
#[derive(serde::Serialize, serde::Deserialize)]
struct Built {
    /// Measured again from `--keep`, not built by this run.
    #[serde(skip)]
    kept: bool,
    dir: PathBuf,
    database_url: String,
    samples: Samples,
    filings: usize,
    seconds: f64,
}

/// The services' regimes as the catalogue sets them.
async fn regimes(app: &sportello_app::App) -> anyhow::Result<BTreeMap<String, (Regime, i64)>> {
    let livorno = app.ente_by_istat(LIVORNO).await?;
    Ok(app
        .catalogue()
        .offered_services(livorno.ente_id())
        .await?
        .into_iter()
        .map(|s| {
            let version = i64::from(s.definition.version);
            (s.definition.id, (s.definition.regime, version))
        })
        .collect())
}

/// The data a filing carries: what the service's form asks, filled plausibly.
fn data(kind: &str, cf: &str, given: &str, family: &str, street: &str, rng: &mut Rng) -> String {
    let n = rng.below(200) + 1;
    let v = match kind {
        "cambio-residenza" => serde_json::json!({
            "codice_fiscale": cf, "comune_provenienza": "Pisa", "familiari": "[]",
            "indirizzo": format!("{street} {n}"), "provenienza": "altro_comune",
            "titolo_occupazione": "locazione"}),
        "passo-carrabile" => serde_json::json!({
            "codice_fiscale": cf, "indirizzo": format!("{street} {n}"),
            "larghezza": format!("{}.{:02}", 2 + rng.below(3), rng.below(100)), "titolo": "proprietario"}),
        "contrassegno-disabili" => serde_json::json!({
            "codice_fiscale": cf, "durata": "permanente", "tipo_richiesta": "primo_rilascio"}),
        "occupazione-suolo-pubblico" => serde_json::json!({
            "codice_fiscale": cf, "nome": given, "cognome": family, "indirizzo": format!("{street} {n}"),
            "in_qualita_di": "privato", "motivo": "trasloco", "superficie": "12.50",
            "dal": "2026-01-10", "al": "2026-01-11", "email": "richiedente@example.invalid"}),
        "accesso-atti" => serde_json::json!({
            "codice_fiscale": cf, "documenti": format!("Pratica edilizia di {street} {n}"),
            "email": "richiedente@example.invalid", "modalita": "copia_digitale",
            "motivazione": "Sono proprietario di un immobile confinante."}),
        "accesso-civico-generalizzato" => serde_json::json!({
            "codice_fiscale": cf, "email": "richiedente@example.invalid", "formato": "aperto",
            "oggetto": "Spese per la manutenzione delle strade"}),
        "cila" => serde_json::json!({
            "codice_fiscale_tecnico": cf, "data_inizio": "2026-01-10",
            "descrizione": "Rifacimento degli impianti, senza opere strutturali",
            "foglio": n.to_string(), "indirizzo": format!("{street} {n}"), "particella": "412", "subalterno": "5"}),
        "scia-esercizio-vicinato" => serde_json::json!({
            "codice_fiscale_legale_rappresentante": cf, "data_inizio": "2026-01-10",
            "indirizzo": format!("{street} {n}"), "partita_iva": "02468135799",
            "pec": "impresa@pec.example", "ragione_sociale": format!("{family} S.r.l."),
            "requisiti_morali": "true", "settore": "non_alimentare", "superficie_vendita": "85.00"}),
        _ => serde_json::json!({
            "codice_fiscale": cf, "descrizione": format!("Una buca davanti al civico {n}."),
            "oggetto": format!("Buca in {street}"), "tipo": "strade"}),
    };
    v.to_string()
}

/// One filing's story: its events, final state, and what the counts add.
struct Story {
    status: &'static str,
    state: &'static str,
    events: Vec<(i64, &'static str, &'static str, String)>,
    /// (when, decided: Some(silent) / withdrawn: None), if concluded in a way the counts see.
    concluded: Option<(i64, Option<bool>)>,
    suspension: Option<(i64, i64)>,
}

fn story(regime: Regime, filed: i64, now: i64, officer: &str, rng: &mut Rng) -> Story {
    let day = |d: u64| i64::try_from(d).unwrap_or(0).saturating_mul(DAY_MS);
    let mut events = vec![(
        filed,
        "protocollata",
        "protocollata",
        "richiedente".to_string(),
    )];
    let roll = rng.below(1000);
    if roll < 30 {
        let at = filed + day(1 + rng.below(10)) + rng.below(3_600_000) as i64;
        if at < now {
            events.push((at, "ritirata", "ritirata", "richiedente".into()));
            return Story {
                status: "withdrawn",
                state: "ritirata",
                events,
                concluded: Some((at, None)),
                suspension: None,
            };
        }
        return open(events, "protocollata");
    }
    let term = match regime {
        Regime::Immediate => {
            if let Some(e) = events.first_mut() {
                e.2 = "archiviata";
            }
            return Story {
                status: "submitted",
                state: "archiviata",
                events,
                concluded: None,
                suspension: None,
            };
        }
        Regime::Scia { control_days } => {
            // Effective on filing; archived when the controls' window closes (as the jobs do).
            if let Some(e) = events.first_mut() {
                e.2 = "scia_efficace";
            }
            let consolidated = filed + day(u64::from(control_days) + 1) + 3_600_000;
            if consolidated >= now {
                return open(events, "scia_efficace");
            }
            events.push((
                consolidated,
                "scia_consolidata",
                "archiviata",
                "sistema".into(),
            ));
            return Story {
                status: "submitted",
                state: "archiviata",
                events,
                concluded: Some((consolidated, Some(false))),
                suspension: None,
            };
        }
        Regime::Ordinary { term_days } | Regime::SilentConsent { term_days } => {
            u64::from(term_days)
        }
    };
    let started = filed + day(1 + rng.below(4)) + 3_600_000;
    if started >= now {
        return open(events, "protocollata");
    }
    events.push((started, "avvio", "in_istruttoria", officer.to_string()));
    let mut at = started;
    let mut suspension = None;
    if rng.below(10) == 0 {
        let asked = started + day(1 + rng.below(5));
        if asked >= now {
            return open(events, "in_istruttoria");
        }
        events.push((
            asked,
            "richiesta_integrazione",
            "sospesa_per_integrazione",
            officer.to_string(),
        ));
        let answered = asked + day(2 + rng.below(12));
        if answered >= now {
            return open(events, "sospesa_per_integrazione");
        }
        events.push((
            answered,
            "integrazione",
            "in_istruttoria",
            "richiedente".into(),
        ));
        suspension = Some((asked, answered));
        at = answered;
    }
    // Most within the term, a tail beyond it.
    let spent = (at - filed) / DAY_MS;
    let left = term
        .saturating_sub(u64::try_from(spent).unwrap_or(0))
        .max(2);
    let silent = matches!(regime, Regime::SilentConsent { .. }) && rng.below(5) == 0;
    let decided = if silent {
        filed + day(term + 1) + 3_600_000
    } else if rng.below(10) == 0 {
        at + day(left + 1 + rng.below(20))
    } else {
        at + day(1 + rng.below(left))
    };
    if decided >= now {
        return Story {
            suspension,
            ..open(events, "in_istruttoria")
        };
    }
    let (kind, state, actor) = if silent {
        (
            "silenzio_assenso",
            "conclusa_per_silenzio_assenso",
            "sistema".to_string(),
        )
    } else if rng.below(100) < 85 {
        ("accolta", "accolta", officer.to_string())
    } else {
        ("respinta", "respinta", officer.to_string())
    };
    events.push((decided, kind, state, actor));
    Story {
        status: "submitted",
        state,
        events,
        concluded: Some((decided, Some(silent))),
        suspension,
    }
}

fn open(events: Vec<(i64, &'static str, &'static str, String)>, state: &'static str) -> Story {
    Story {
        status: "submitted",
        state,
        events,
        concluded: None,
        suspension: None,
    }
}

fn date_of(ms: i64) -> time::Date {
    in_rome(
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
    .date()
}

/// A region of `n` filings: built in a fresh directory, or with `--keep` (SQLite) the one kept
/// there by an earlier run of the same size and seed, built there first if there is none.
async fn region_of(
    args: &RegionArgs,
    n: usize,
    database_url: Option<String>,
) -> anyhow::Result<Built> {
    let Some(keep) = args.keep.as_ref().filter(|_| database_url.is_none()) else {
        return build(args, n, database_url, crate::bench::fresh_dir()?).await;
    };
    let dir = keep.join(format!("region-{n}-seed-{}", args.seed));
    let record = dir.join("built.json");
    if let Ok(kept) = std::fs::read(&record) {
        let mut built: Built = serde_json::from_slice(&kept).context("reading the region kept")?;
        built.kept = true;
        eprintln!("  kept: {} filings in {}", built.filings, dir.display());
        return Ok(built);
    }
    if dir.exists() {
        // A build stopped half way: start again.
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let built = build(args, n, database_url, dir).await?;
    std::fs::write(&record, serde_json::to_vec(&built)?)?;
    Ok(built)
}

/// The demo region in `dir` (or on `database_url`), filled with `n` filings. Returns its
/// samples.
// A benchmark tool: it writes through the store directly (the composition root's).
#[allow(clippy::disallowed_methods)]
async fn build(
    args: &RegionArgs,
    n: usize,
    database_url: Option<String>,
    dir: PathBuf,
) -> anyhow::Result<Built> {
    let started = Instant::now();
    let app = crate::bench::region_app(&dir, database_url.clone()).await?;
    crate::load_demo(&app).await?;
    let store = app.store().clone();
    let regimes = regimes(&app).await?;
    let blobs = sportello_app::blobs::FsBlobStore::new(dir.join("blobs"));
    // A pool of small documents: content-addressed, so ten million filings share them.
    let pool: Vec<(String, i64)> = (0..64)
        .map(|i| {
            let body = format!(
                "%PDF-1.4\n% Sportello bench region: attachment {i}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
            );
            let sha = blobs.put_now(body.as_bytes())?;
            Ok((sha, i64::try_from(body.len()).unwrap_or(0)))
        })
        .collect::<std::io::Result<_>>()?;
    let enti = app.enti(&Default::default()).await?;
    let population: i64 = enti.iter().map(|e| e.population).sum::<i64>().max(1);
    // Each ente's share by population, the remainders to the largest, so the shares sum to n.
    let n64 = i64::try_from(n)?;
    let mut shares: Vec<i64> = enti
        .iter()
        .map(|e| e.population.saturating_mul(n64) / population)
        .collect();
    let rest = n64 - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..enti.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(enti.get(i).map_or(0, |e| e.population)));
    for &i in order.iter().cycle().take(usize::try_from(rest.max(0))?) {
        if let Some(s) = shares.get_mut(i) {
            *s += 1;
        }
    }
    let now_ms = sportello_store::to_millis(time::OffsetDateTime::now_utc());
    // Ten years, up to an hour ago.
    let end = now_ms - 3_600_000;
    let start = end - 3_652 * DAY_MS;
    let calendar = HolidayCalendar::default();
    let mut samples = Samples::default();
    let mut months: BTreeMap<(sportello_domain::tenancy::EnteId, String, i64), MonthCounts> =
        BTreeMap::new();
    let mut days: BTreeMap<(sportello_domain::tenancy::EnteId, String, i64, i64), i64> =
        BTreeMap::new();
    let mut heads = Vec::new();
    let mut person_base: u32 = 0;
    let mut written = 0usize;
    let mut last_report = Instant::now();
    let mut batch: Vec<BulkFiling> = Vec::with_capacity(BATCH);
    for (ente, share) in enti.iter().zip(shares.iter().copied()) {
        let persons = u32::try_from((ente.population / 8).max(50)).unwrap_or(50);
        let mut rng = Rng(args.seed ^ (u64::try_from(ente.ente_id().get()).unwrap_or(0) << 20));
        let (aoo_id, aoo_code) = store.tenant(ente.ente_id()).main_aoo().await?;
        let workers = store.tenant(ente.ente_id()).case_workers().await?;
        let is_livorno = ente.istat == LIVORNO;
        let slot = if share > 0 { (end - start) / share } else { 0 };
        let mut year = 0i32;
        let mut number = 0i64;
        let mut previous = GENESIS.to_string();
        for k in 0..share {
            let filed = start + slot * k + i64::try_from(rng.below(u64::try_from(slot.max(1))?))?;
            let filed_at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(filed) * 1_000_000)?;
            let y = filed_at.year();
            if y != year {
                year = y;
                number = 0;
            }
            number += 1;
            let kind = {
                let mut r = rng.below(1000);
                KINDS
                    .iter()
                    .find(|k| {
                        if r < k.weight {
                            true
                        } else {
                            r -= k.weight;
                            false
                        }
                    })
                    .unwrap_or(&KINDS[0])
            };
            let Some((regime, version)) = regimes.get(kind.id).copied() else {
                bail!("the catalogue has no {}", kind.id);
            };
            // The resident's history: one filing in every 1/40th of Livorno's.
            let resident = is_livorno && share >= 40 && k % (share / 40) == 0;
            let (person, given, family) = if resident {
                (
                    RESIDENT,
                    "Persona".to_string(),
                    format!("Di Prova {RESIDENT}"),
                )
            } else {
                (
                    person_base + u32::try_from(rng.below(u64::from(persons)))?,
                    rng.pick(&GIVEN).to_string(),
                    rng.pick(&FAMILY).to_string(),
                )
            };
            let cf = sportello_app::demo::test_person_fiscal_code(person)
                .ok_or_else(|| anyhow!("no fiscal code for {person}"))?;
            let street = rng.pick(&STREETS);
            let id = format!("{:012x}b{:011x}", filed, rng.next() & 0x0fff_ffff_ffff);
            let data = data(kind.id, &cf, &given, &family, street, &mut rng);
            let officer = workers
                .first()
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| "Ufficio protocollo".into());
            let story = story(regime, filed, now_ms, &officer, &mut rng);
            let document_digest = sportello_app::crypto::sha256_hex(data.as_bytes());
            let blob = rng.pick_ref(&pool).cloned();
            let files: Vec<(String, String, String, String, i64)> = kind
                .file
                .zip(blob)
                .map(|((field, name), (sha, size))| {
                    vec![(
                        field.to_string(),
                        sha,
                        name.to_string(),
                        "application/pdf".to_string(),
                        size,
                    )]
                })
                .unwrap_or_default();
            let attachments: Vec<AttachmentRecord> = files
                .iter()
                .map(|(field, sha, name, _, _)| AttachmentRecord {
                    description: format!("{name} ({field})"),
                    digest: sha.clone(),
                })
                .collect();
            let registered_at = filed_at.format(&Rfc3339)?;
            let correspondent = format!("{given} {family} ({cf})");
            let hash = Registration {
                aoo: aoo_code.clone(),
                year,
                number,
                registered_at: registered_at.clone(),
                direction: Direction::Inbound,
                correspondent: correspondent.clone(),
                subject: kind.subject.to_string(),
                sender_reference: None,
                document_digest: document_digest.clone(),
                attachments: attachments.clone(),
            }
            .chain_hash(&previous);
            // The counts: the filing in its month, the conclusion in its own.
            let ente_id = ente.ente_id();
            let filed_month = month_key(date_of(filed));
            let c = months
                .entry((ente_id, kind.id.to_string(), filed_month))
                .or_default();
            c.filed_online = c.filed_online.saturating_add(1);
            if let Some((at, how)) = story.concluded {
                let on = date_of(at);
                let c = months
                    .entry((ente_id, kind.id.to_string(), month_key(on)))
                    .or_default();
                match how {
                    None => c.withdrawn = c.withdrawn.saturating_add(1),
                    Some(silent) => {
                        let suspensions: Vec<Suspension> = story
                            .suspension
                            .map(|(from, to)| Suspension {
                                kind: SuspensionKind::Integration,
                                from: date_of(from),
                                to: Some(date_of(to)),
                            })
                            .into_iter()
                            .collect();
                        let t =
                            case_time(date_of(filed), on, regime, &suspensions, &calendar, silent);
                        c.decided = c.decided.saturating_add(1);
                        c.within_term = c.within_term.saturating_add(i64::from(t.within_term));
                        c.silent = c.silent.saturating_add(i64::from(t.silent));
                        if !t.silent {
                            let d = days
                                .entry((ente_id, kind.id.to_string(), month_key(on), t.days))
                                .or_default();
                            *d = d.saturating_add(1);
                        }
                    }
                }
            }
            if is_livorno
                && (samples.livorno.len() < 400
                    && rng.below(u64::try_from(share)?.max(1) / 400 + 1) == 0)
            {
                samples
                    .livorno
                    .push((id.clone(), i64::from(year), number, family.clone()));
            }
            if resident {
                samples.resident.push(id.clone());
            }
            let last_at = story.events.last().map_or(filed, |e| e.0);
            batch.push(BulkFiling {
                id: id.clone(),
                ente_id: ente_id.get(),
                service_id: kind.id.to_string(),
                service_version: version,
                applicant: cf.clone(),
                given_name: given,
                family_name: family,
                status: story.status,
                case_state: Some(story.state),
                data,
                assignee: (story.state != "protocollata")
                    .then(|| workers.first().map(|(w, _)| *w))
                    .flatten(),
                created_at: filed - 600_000,
                submitted_at: filed,
                updated_at: last_at,
                aoo_id,
                year,
                number,
                registered_at,
                correspondent,
                subject: kind.subject.to_string(),
                document_digest,
                attachments: serde_json::to_string(&attachments)?,
                previous_hash: std::mem::replace(&mut previous, hash.clone()),
                hash,
                classification: kind.classification.to_string(),
                fascicolo: format!("{year}/{}/{id}", kind.id),
                events: story.events,
                files,
            });
            if batch.len() >= BATCH {
                store.bulk_file(&batch).await?;
                written += batch.len();
                batch.clear();
                if last_report.elapsed() > Duration::from_secs(10) {
                    last_report = Instant::now();
                    eprintln!(
                        "  {written}/{n} filings written ({:.0} s, {:.0}/s)",
                        started.elapsed().as_secs_f64(),
                        written as f64 / started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        if share > 0 {
            heads.push(BulkHead {
                aoo_id,
                year,
                last_number: number,
                last_hash: previous.clone(),
            });
        }
        person_base = person_base.saturating_add(persons);
    }
    store.bulk_file(&batch).await?;
    written += batch.len();
    store.bulk_heads(&heads).await?;
    let mut tx = store.begin().await?;
    if sportello_store::Store::mark_counted(&mut tx).await? {
        sportello_store::Store::add_case_counts(&mut tx, &months, &days, now_ms).await?;
    }
    tx.commit().await?;
    store.roll_up_region_times(now_ms).await?;
    // The office queue's counts: one row per filing appended by the triggers, summed per key
    // (what the scheduled jobs do after a day's moves).
    store.fold_queue_counts().await?;
    store.analyze().await?;
    drop(app);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("  {written} filings in {seconds:.0} s");
    Ok(Built {
        kept: false,
        database_url: database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("sportello.db").display())),
        dir,
        samples,
        filings: written,
        seconds,
    })
}

/// A signed-in browser: its cookies.
async fn staff_session(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let mut jar = crate::bench::Cookies::default();
    let r = client.get(format!("{base}/staff/accedi")).send().await?;
    jar.take(&r);
    let page = r.text().await?;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| anyhow!("no CSRF token on the staff sign-in page"))?
        .to_string();
    let r = client
        .post(format!("{base}/staff/accedi"))
        .header(reqwest::header::COOKIE, jar.header())
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "livorno.istruttore"),
            ("password", sportello_app::demo::DEMO_STAFF_PASSWORD),
        ])
        .send()
        .await?;
    jar.take(&r);
    if !r.status().is_redirection() {
        bail!("the operator's sign-in failed: {}", r.status());
    }
    Ok(jar.header())
}

/// The pages measured: (name, path, who asks: "staff", "resident", "token" or "public").
fn pages(s: &Samples, i: usize) -> Vec<(&'static str, String, &'static str)> {
    let pick = |v: &[(String, i64, i64, String)]| v.get(i % v.len().max(1)).cloned();
    let (id, _year, number, family) = pick(&s.livorno).unwrap_or_default();
    let mine = s
        .resident
        .get(i % s.resident.len().max(1))
        .cloned()
        .unwrap_or_default();
    vec![
        (
            "office queue: open cases",
            "/staff/pratiche".into(),
            "staff",
        ),
        (
            "office queue: every case",
            "/staff/pratiche?filtro=tutte".into(),
            "staff",
        ),
        (
            "office queue: one service",
            "/staff/pratiche?filtro=tutte&servizio=passo-carrabile".into(),
            "staff",
        ),
        (
            "office queue: by number",
            format!("/staff/pratiche?filtro=tutte&cerca={number}"),
            "staff",
        ),
        (
            "office queue: by name",
            format!("/staff/pratiche?filtro=tutte&cerca={}", urlencode(&family)),
            "staff",
        ),
        (
            "case page (office)",
            format!("/staff/pratiche/{id}"),
            "staff",
        ),
        (
            "register: by correspondent",
            format!("/staff/protocollo?corrispondente={}", urlencode(&family)),
            "staff",
        ),
        (
            "register: by number",
            format!("/staff/protocollo?numero={number}"),
            "staff",
        ),
        ("personal area", "/area-personale".into(), "resident"),
        (
            "case page (resident)",
            format!("/livorno/domande/{mine}/pratica"),
            "resident",
        ),
        ("municipality home", "/livorno/".into(), "public"),
        ("services", "/livorno/servizi".into(), "public"),
        (
            "times dashboard",
            "/livorno/trasparenza/tempi".into(),
            "public",
        ),
        ("region dashboard", "/trasparenza/tempi".into(), "public"),
        ("albo", "/livorno/albo".into(), "public"),
        ("API: enti", "/api/v1/enti".into(), "public"),
        (
            "API: services",
            "/api/v1/enti/049009/servizi".into(),
            "public",
        ),
        ("API: my applications", "/api/v1/me/domande".into(), "token"),
    ]
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The sessions of one server: the operator's cookies, the resident's cookies and token.
struct Sessions {
    staff: String,
    resident: String,
    token: String,
}

async fn sessions(client: &reqwest::Client, base: &str) -> anyhow::Result<Sessions> {
    let staff = staff_session(client, base).await?;
    let n = usize::try_from(RESIDENT)?;
    let resident = crate::bench::citizen_session(client, base, n).await?;
    let token = crate::bench::sign_in(client, base, n).await?;
    Ok(Sessions {
        staff,
        resident: resident.header(),
        token,
    })
}

async fn get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    who: &str,
    s: &Sessions,
) -> anyhow::Result<u128> {
    let mut request = client.get(format!("{base}{path}"));
    request = match who {
        "staff" => request.header(reqwest::header::COOKIE, &s.staff),
        "resident" => request.header(reqwest::header::COOKIE, &s.resident),
        "token" => request.bearer_auth(&s.token),
        _ => request,
    };
    let t = Instant::now();
    let r = request.send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    let us = t.elapsed().as_micros();
    if status != reqwest::StatusCode::OK || body.is_empty() {
        bail!("{path}: {status}");
    }
    Ok(us)
}

pub async fn region(args: RegionArgs) -> anyhow::Result<serde_json::Value> {
    if args.database_url.is_some() != args.small_database_url.is_some() {
        bail!(
            "on PostgreSQL give both --database-url and --small-database-url (two fresh databases)"
        );
    }
    if args.keep.is_some() && args.small == args.applications {
        bail!(
            "with --keep the two regions need different sizes (each is kept in its own directory)"
        );
    }
    eprintln!("small region: {} filings", args.small);
    let small = region_of(&args, args.small, args.small_database_url.clone()).await?;
    eprintln!("large region: {} filings", args.applications);
    let large = region_of(&args, args.applications, args.database_url.clone()).await?;
    let env = [
        (
            "SPORTELLO__SERVER__SIGN_INS_PER_ADDRESS_PER_MINUTE",
            "1000000",
        ),
        (
            "SPORTELLO__SERVER__SIGN_IN_STARTS_PER_ADDRESS_PER_MINUTE",
            "1000000",
        ),
    ];
    let small_server =
        Server::spawn_with(small.dir.clone(), small.database_url.clone(), &env).await?;
    let large_server =
        Server::spawn_with(large.dir.clone(), large.database_url.clone(), &env).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .build()?;
    let small_sessions = sessions(&client, &small_server.base)
        .await
        .context("signing in on the small region")?;
    let large_sessions = sessions(&client, &large_server.base)
        .await
        .context("signing in on the large region")?;
    let names: Vec<&str> = pages(&small.samples, 0).iter().map(|p| p.0).collect();
    let mut results = Vec::new();
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7}",
        "page", "p50 small", "p99 small", "p50 large", "p99 large", "p50 ×", "p99 ×"
    );
    for (p, name) in names.iter().enumerate() {
        let mut times: [Vec<u128>; 2] = [Vec::new(), Vec::new()];
        // Warm up both, then alternate request by request so that both see the same machine.
        for i in 0..(args.requests + 10) {
            for (side, (server, built, sessions)) in [
                (&small_server, &small, &small_sessions),
                (&large_server, &large, &large_sessions),
            ]
            .into_iter()
            .enumerate()
            {
                let list = pages(&built.samples, i);
                let Some((_, path, who)) = list.get(p) else {
                    continue;
                };
                let us = get(&client, &server.base, path, who, sessions).await?;
                if i >= 10 {
                    if let Some(t) = times.get_mut(side) {
                        t.push(us);
                    }
                }
            }
        }
        let [small_t, large_t] = times;
        let (s50, s99) = percentiles(small_t);
        let (l50, l99) = percentiles(large_t);
        let ratio = |a: u128, b: u128| a as f64 / (b.max(1)) as f64;
        let ms = |us: u128| us as f64 / 1000.0;
        println!(
            "{:<30} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>7.2} {:>7.2}",
            name,
            ms(s50),
            ms(s99),
            ms(l50),
            ms(l99),
            ratio(l50, s50),
            ratio(l99, s99)
        );
        results.push(serde_json::json!({
            "page": name,
            "small_p50_ms": ms(s50), "small_p99_ms": ms(s99),
            "large_p50_ms": ms(l50), "large_p99_ms": ms(l99),
            "ratio_p50": ratio(l50, s50), "ratio_p99": ratio(l99, s99),
        }));
    }
    let small_rss = small_server.peak_rss_kb();
    let large_rss = large_server.peak_rss_kb();
    for server in [small_server, large_server] {
        if args.keep.is_some() && args.database_url.is_none() {
            server.stop_keeping_data().await;
        } else {
            server.stop().await;
        }
    }
    Ok(serde_json::json!({
        "backend": if args.database_url.is_some() { "postgres" } else { "sqlite" },
        "small_filings": small.filings,
        "large_filings": large.filings,
        "small_build_seconds": small.seconds,
        "large_build_seconds": large.seconds,
        "small_kept": small.kept,
        "large_kept": large.kept,
        "requests_per_page": args.requests,
        "pages": results,
        "small_server_peak_rss_mb": small_rss.map(|k| k / 1024),
        "large_server_peak_rss_mb": large_rss.map(|k| k / 1024),
    }))
}
