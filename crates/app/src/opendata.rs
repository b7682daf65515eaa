//! Open data (issue 19): the catalogue of the datasets Sportello makes of itself — each ente's
//! and the region's — in DCAT-AP_IT, and the tables its distributions carry. The datasets are
//! read from the counts and rows the product keeps, when asked: a distribution is always as
//! current as the product. The list of every dataset (273 enti × 5) is kept a minute.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sportello_domain::accountability::rating::mean_with_interval;
use sportello_domain::accountability::{median, quantile};

use crate::accountability::Period;
use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::opendata::{Agent, Catalogue, Dataset, DatasetKind, Distribution};
use sportello_store::{from_millis, AlboQuery, EnteRow, OpenDataDates, TimeCounts};

use crate::capabilities::OpenData;
use crate::{App, AppError};

/// A cell of a distribution's table: text, a whole number, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Empty,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

fn opt(n: Option<i64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Int)
}

/// A distribution's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        sportello_domain::opendata::csv(&self.columns, &rows)
    }

    /// The rows as JSON objects, numbers as numbers.
    pub fn json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                for (c, v) in self.columns.iter().zip(r) {
                    o.insert(
                        (*c).to_owned(),
                        match v {
                            Cell::Text(t) => serde_json::Value::String(t.clone()),
                            Cell::Int(n) => serde_json::Value::from(*n),
                            Cell::Empty => serde_json::Value::Null,
                        },
                    );
                }
                serde_json::Value::Object(o)
            })
            .collect();
        serde_json::Value::Array(rows).to_string()
    }
}

/// The day of an instant in Rome, as DCAT's dates are written.
fn day(ms: i64) -> String {
    in_rome(from_millis(ms)).date().to_string()
}

fn regime_code(r: Regime) -> &'static str {
    match r {
        Regime::Ordinary { .. } => "ordinario",
        Regime::SilentConsent { .. } => "silenzio_assenso",
        Regime::Scia { .. } => "scia",
        Regime::Immediate => "immediato",
    }
}

/// A project's review, in the dataset's words.
fn project_status(code: &str) -> &'static str {
    match code {
        "feasible" => "ammissibile",
        "unfeasible" => "non ammissibile",
        _ => "da valutare",
    }
}

/// A chosen project's progress, in the dataset's words.
fn execution(code: &str) -> &'static str {
    match code {
        "planned" => "programmato",
        "in_progress" => "in corso",
        "done" => "realizzato",
        _ => "annullato",
    }
}

fn euro(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, (cents % 100).abs())
}

/// The list of every dataset, with when it was made (Unix ms).
pub(crate) type KeptDatasets = Arc<std::sync::Mutex<Option<(i64, Arc<Vec<Dataset>>)>>>;

/// How long the list of every dataset is kept.
const KEPT_MS: i64 = 60_000;

impl App {
    /// The ente as its data's publisher and rights holder.
    pub(crate) fn ente_agent(&self, e: &EnteRow, email: Option<&str>) -> Agent {
        Agent {
            ipa: format!("c_{}", e.cadastral.to_lowercase()),
            name: format!("Comune di {}", e.name),
            home: format!("{}/{}/", self.settings.public_url, e.slug),
            email: email
                .filter(|m| !m.trim().is_empty())
                .unwrap_or(&self.settings.region.data_email)
                .to_owned(),
        }
    }

    pub(crate) fn region_agent(&self) -> Agent {
        Agent {
            ipa: self.settings.region.ipa_code.clone(),
            name: self.settings.region.name.clone(),
            home: format!("{}/", self.settings.public_url),
            email: self.settings.region.data_email.clone(),
        }
    }
}

fn distributions(landing: &str) -> Vec<Distribution> {
    vec![
        Distribution {
            title: "CSV".into(),
            url: format!("{landing}.csv"),
            format: "CSV",
            media_type: "text/csv",
        },
        Distribution {
            title: "JSON".into(),
            url: format!("{landing}.json"),
            format: "JSON",
            media_type: "application/json",
        },
    ]
}

impl OpenData<'_> {
    /// Every dataset of the region: the region's own, then each ente's (kept a minute).
    pub async fn datasets(&self) -> Result<Arc<Vec<Dataset>>, AppError> {
        let app = self.app;
        let now = sportello_store::to_millis(app.now());
        if let Ok(kept) = app.open_data.lock() {
            if let Some((at, list)) = kept.as_ref() {
                if (0..KEPT_MS).contains(&now.saturating_sub(*at)) {
                    return Ok(list.clone());
                }
            }
        }
        let dates = app.store.region_wide().open_data_dates().await?;
        let votes = app.store.region_wide().pb_vote_files().await?;
        let enti = app.all_enti().await?;
        let list = Arc::new(build(app, &enti, &dates, &votes, now));
        if let Ok(mut kept) = app.open_data.lock() {
            *kept = Some((now, list.clone()));
        }
        Ok(list)
    }

    /// The catalogue of an ente (its datasets), or of the region (every dataset).
    pub async fn catalogue(&self, ente: Option<&EnteRow>) -> Result<Catalogue, AppError> {
        let app = self.app;
        let all = self.datasets().await?;
        let (publisher, datasets, iri, homepage, title) = match ente {
            Some(e) => {
                let ipa = format!("c_{}", e.cadastral.to_lowercase());
                let mine: Vec<Dataset> = all
                    .iter()
                    .filter(|d| d.holder.ipa == ipa)
                    .cloned()
                    .collect();
                let holder = mine
                    .first()
                    .map(|d| d.holder.clone())
                    .unwrap_or_else(|| app.ente_agent(e, None));
                (
                    holder,
                    mine,
                    format!("{}/{}/dati", app.settings.public_url, e.slug),
                    format!("{}/{}/", app.settings.public_url, e.slug),
                    format!("Dati aperti del Comune di {}", e.name),
                )
            }
            None => (
                app.region_agent(),
                all.to_vec(),
                format!("{}/dati", app.settings.public_url),
                format!("{}/", app.settings.public_url),
                format!("Dati aperti di Sportello — {}", app.settings.region.name),
            ),
        };
        let issued = datasets
            .iter()
            .map(|d| d.issued.clone())
            .min()
            .unwrap_or_else(|| day(sportello_store::to_millis(app.now())));
        let modified = datasets
            .iter()
            .map(|d| d.modified.clone())
            .max()
            .unwrap_or_else(|| issued.clone());
        Ok(Catalogue {
            iri,
            description: format!(
                "I dati che Sportello, lo sportello digitale dei comuni, pubblica di sé: servizi, tempi dei procedimenti rispetto ai termini di legge, valutazioni dei cittadini, albo pretorio, bilancio partecipativo. Licenza CC BY 4.0. Titolare: {}.",
                publisher.name
            ),
            title,
            publisher,
            homepage,
            issued,
            modified,
            datasets,
        })
    }

    /// One dataset of an ente, or of the region.
    pub async fn dataset(
        &self,
        ente: Option<&EnteRow>,
        kind: DatasetKind,
    ) -> Result<Dataset, AppError> {
        let ipa = match ente {
            Some(e) => format!("c_{}", e.cadastral.to_lowercase()),
            None => self.app.settings.region.ipa_code.clone(),
        };
        self.datasets()
            .await?
            .iter()
            .find(|d| d.kind == kind && d.holder.ipa == ipa)
            .cloned()
            .ok_or(AppError::NotFound)
    }

    /// The table a dataset's distributions carry.
    pub async fn table(
        &self,
        ente: Option<&EnteRow>,
        kind: DatasetKind,
    ) -> Result<Table, AppError> {
        let app = self.app;
        match (ente, kind) {
            (Some(e), DatasetKind::Services) => {
                let paying = app.accountability().takes_payments(e.ente_id()).await?;
                let services = app.catalogue().offered_services(e.ente_id()).await?;
                let rows = services
                    .iter()
                    .map(|s| {
                        let d = &s.definition;
                        let fees = s.overrides.fees.as_ref().unwrap_or(&d.fees);
                        let cents = fees
                            .iter()
                            .fold(0i64, |a, f| a.saturating_add(f.amount.cents()));
                        vec![
                            Cell::Text(d.id.clone()),
                            Cell::Text(d.title.clone()),
                            Cell::Text(d.category.code().into()),
                            Cell::Text(regime_code(d.regime).into()),
                            opt(d.regime.term_days().map(i64::from)),
                            Cell::Text(euro(cents)),
                            Cell::Text(
                                s.overrides
                                    .office
                                    .clone()
                                    .unwrap_or_else(|| d.scheda.office.clone()),
                            ),
                            Cell::Int(i64::from(
                                crate::accountability::maturity_of(s, paying).level(),
                            )),
                            Cell::Text(format!(
                                "{}/{}/servizi/{}",
                                app.settings.public_url, e.slug, d.id
                            )),
                        ]
                    })
                    .collect();
                Ok(Table {
                    columns: vec![
                        "id",
                        "titolo",
                        "categoria",
                        "regime",
                        "termine_giorni",
                        "diritti_euro",
                        "ufficio",
                        "livello_online",
                        "pagina",
                    ],
                    rows,
                })
            }
            (None, DatasetKind::Services) => {
                let adoption = app.store.region_wide().adoptions_and_payments().await?;
                let defs = crate::catalogue::regional_catalogue().map_err(AppError::Internal)?;
                let rows = defs
                    .iter()
                    .map(|d| {
                        let cents = d
                            .fees
                            .iter()
                            .fold(0i64, |a, f| a.saturating_add(f.amount.cents()));
                        let (adopting, paying) = adoption.get(&d.id).copied().unwrap_or((0, 0));
                        vec![
                            Cell::Text(d.id.clone()),
                            Cell::Text(d.title.clone()),
                            Cell::Text(d.category.code().into()),
                            Cell::Text(regime_code(d.regime).into()),
                            opt(d.regime.term_days().map(i64::from)),
                            Cell::Text(euro(cents)),
                            Cell::Int(adopting),
                            Cell::Int(paying),
                        ]
                    })
                    .collect();
                Ok(Table {
                    columns: vec![
                        "id",
                        "titolo",
                        "categoria",
                        "regime",
                        "termine_giorni",
                        "diritti_euro",
                        "comuni_che_lo_offrono",
                        "comuni_con_pagopa",
                    ],
                    rows,
                })
            }
            (_, DatasetKind::Times) => {
                let (counts, days, titles) = match ente {
                    Some(e) => {
                        let t = app.store.tenant(e.ente_id());
                        let titles = app
                            .catalogue()
                            .offered_services(e.ente_id())
                            .await?
                            .into_iter()
                            .map(|s| {
                                (
                                    s.definition.id.clone(),
                                    (s.definition.title.clone(), s.definition.regime.term_days()),
                                )
                            })
                            .collect::<HashMap<_, _>>();
                        (
                            t.time_counts(0, 999_912).await?,
                            t.month_days().await?,
                            titles,
                        )
                    }
                    None => {
                        let r = app.store.region_wide();
                        let titles = crate::catalogue::regional_catalogue()
                            .map_err(AppError::Internal)?
                            .iter()
                            .map(|d| (d.id.clone(), (d.title.clone(), d.regime.term_days())))
                            .collect::<HashMap<_, _>>();
                        (
                            r.time_counts(0, 999_912).await?,
                            r.month_days().await?,
                            titles,
                        )
                    }
                };
                Ok(times_table(&counts, &days, &titles))
            }
            (Some(e), DatasetKind::Ratings) => {
                let rows = app.store.tenant(e.ente_id()).rating_months().await?;
                let mut by: BTreeMap<(i64, String, String), [i64; 5]> = BTreeMap::new();
                for (month, subject, target, stars, n) in rows {
                    let slot = by.entry((month, subject, target)).or_default();
                    if let Some(c) = usize::try_from(stars)
                        .ok()
                        .and_then(|s| s.checked_sub(1))
                        .and_then(|i| slot.get_mut(i))
                    {
                        *c = c.saturating_add(n);
                    }
                }
                let rows = by
                    .into_iter()
                    .map(|((month, subject, target), stars)| {
                        let total = stars.iter().fold(0i64, |a, b| a.saturating_add(*b));
                        let mean = mean_with_interval(&stars)
                            .map(|(m, _, _)| format!("{}.{:02}", m / 100, m % 100));
                        let mut row = vec![
                            Cell::Text(Period::text(month)),
                            Cell::Text(subject),
                            Cell::Text(target),
                        ];
                        row.extend(stars.iter().map(|n| Cell::Int(*n)));
                        row.push(Cell::Int(total));
                        row.push(mean.map_or(Cell::Empty, Cell::Text));
                        row
                    })
                    .collect();
                Ok(Table {
                    columns: vec![
                        "mese",
                        "tipo",
                        "oggetto",
                        "stelle_1",
                        "stelle_2",
                        "stelle_3",
                        "stelle_4",
                        "stelle_5",
                        "valutazioni",
                        "media_stelle",
                    ],
                    rows,
                })
            }
            (Some(e), DatasetKind::Reports) => Ok(reports_table(app, e).await?),
            (Some(e), DatasetKind::Bookings) => Ok(bookings_table(app, e).await?),
            (Some(e), DatasetKind::Albo) => {
                let tenant = app.store.tenant(e.ente_id());
                let now = sportello_store::to_millis(app.now());
                let mut rows = Vec::new();
                let mut before = None;
                loop {
                    let page = tenant
                        .albo_list(
                            now,
                            true,
                            &AlboQuery {
                                words: String::new(),
                                act_type: None,
                                year: None,
                                number: None,
                                before,
                                limit: 1000,
                            },
                        )
                        .await?;
                    let full = page.len() == 1000;
                    for a in &page {
                        let (Some(year), Some(number)) = (a.year, a.number) else {
                            continue;
                        };
                        rows.push(vec![
                            Cell::Int(year),
                            Cell::Int(number),
                            Cell::Text(a.act_type.clone()),
                            Cell::Text(a.subject.clone()),
                            Cell::Text(a.requester.clone()),
                            Cell::Text(a.act_number.clone()),
                            a.act_date.clone().map_or(Cell::Empty, Cell::Text),
                            a.start_ms.map_or(Cell::Empty, |ms| Cell::Text(day(ms))),
                            a.end_ms.map_or(Cell::Empty, |ms| Cell::Text(day(ms))),
                            Cell::Text(a.state.clone()),
                            Cell::Text(format!(
                                "{}/{}/albo/{year}/{number:04}",
                                app.settings.public_url, e.slug
                            )),
                        ]);
                    }
                    before = page.last().and_then(|a| a.board_key);
                    if !full || before.is_none() {
                        break;
                    }
                }
                Ok(Table {
                    columns: vec![
                        "anno",
                        "numero",
                        "tipo",
                        "oggetto",
                        "richiedente",
                        "numero_atto",
                        "data_atto",
                        "inizio_pubblicazione",
                        "fine_pubblicazione",
                        "stato",
                        "pagina",
                    ],
                    rows,
                })
            }
            (Some(e), DatasetKind::Budgets) => {
                let mut rows = Vec::new();
                for p in app.participation().pb_processes(e).await? {
                    for pr in app.store.tenant(e.ente_id()).pb_projects(&p.id).await? {
                        rows.push(vec![
                            Cell::Text(p.slug.clone()),
                            Cell::Text(p.title.clone()),
                            Cell::Int(p.budget),
                            Cell::Text(p.rule.code().into()),
                            Cell::Int(pr.number),
                            Cell::Text(pr.title.clone()),
                            Cell::Int(pr.cost.unwrap_or(pr.estimated_cost)),
                            Cell::Text(project_status(pr.status.code()).into()),
                            pr.execution
                                .as_ref()
                                .map_or(Cell::Empty, |x| Cell::Text(execution(x.code()).into())),
                        ]);
                    }
                }
                Ok(Table {
                    columns: vec![
                        "processo",
                        "titolo_processo",
                        "importo_euro",
                        "regola",
                        "progetto",
                        "titolo_progetto",
                        "costo_euro",
                        "ammissibilita",
                        "realizzazione",
                    ],
                    rows,
                })
            }
            (None, _) => Err(AppError::NotFound),
        }
    }
}

fn times_table(
    counts: &TimeCounts,
    days: &[(String, i64, i64, i64)],
    titles: &HashMap<String, (String, Option<u32>)>,
) -> Table {
    let mut hist: HashMap<(&str, i64), Vec<(i64, i64)>> = HashMap::new();
    for (s, m, d, n) in days {
        hist.entry((s.as_str(), *m)).or_default().push((*d, *n));
    }
    let rows = counts
        .months
        .iter()
        .map(|r| {
            let h = hist
                .get(&(r.service_id.as_str(), r.month))
                .cloned()
                .unwrap_or_default();
            let (title, term) = titles
                .get(&r.service_id)
                .cloned()
                .unwrap_or_else(|| (r.service_id.clone(), None));
            let c = &r.counts;
            vec![
                Cell::Text(Period::text(r.month)),
                Cell::Text(r.service_id.clone()),
                Cell::Text(title),
                opt(term.map(i64::from)),
                Cell::Int(c.filed_online),
                Cell::Int(c.filed_assisted),
                Cell::Int(c.filed_intermediary),
                Cell::Int(c.decided),
                Cell::Int(c.within_term),
                Cell::Int(c.silent),
                Cell::Int(c.withdrawn),
                opt(median(&h)),
                opt(quantile(&h, 9, 10)),
            ]
        })
        .collect();
    Table {
        columns: vec![
            "mese",
            "servizio",
            "titolo",
            "termine_giorni",
            "presentate_online",
            "presentate_assistite",
            "presentate_intermediari",
            "concluse",
            "concluse_nei_termini",
            "silenzio_assenso",
            "ritirate",
            "giorni_mediana",
            "giorni_90_percentile",
        ],
        rows,
    }
}

/// Every dataset: the region's two, then each ente's five, with their dates.
fn build(
    app: &App,
    enti: &[EnteRow],
    dates: &OpenDataDates,
    votes: &[(i64, String, String, String)],
    now: i64,
) -> Vec<Dataset> {
    let public = &app.settings.public_url;
    let today = day(now);
    let first_ever = dates
        .first_adoption
        .values()
        .copied()
        .filter(|v| *v > 0)
        .min()
        .unwrap_or(now);
    let region = app.region_agent();
    let mut out = Vec::new();
    for kind in DatasetKind::REGION {
        let landing = format!("{public}/dati/{}", kind.code());
        let modified = match kind {
            DatasetKind::Times => dates.times.values().copied().max().unwrap_or(0),
            _ => dates.catalogue,
        };
        let modified = modified.max(first_ever);
        out.push(Dataset {
            kind,
            holder: region.clone(),
            distributions: distributions(&landing),
            landing,
            issued: day(first_ever),
            modified: day(modified),
            issued_ms: first_ever,
            modified_ms: modified,
        });
    }
    let at =
        |m: &HashMap<i64, i64>, id: i64, floor: i64| m.get(&id).copied().unwrap_or(0).max(floor);
    for e in enti {
        let id = e.id;
        let holder = app.ente_agent(e, dates.emails.get(&id).map(String::as_str));
        let issued_ms = dates.first_adoption.get(&id).copied().unwrap_or(first_ever);
        for kind in DatasetKind::ALL {
            // A dataset with nothing in it yet is not published: a harvester would list
            // hundreds of empty files.
            let has = |m: &HashMap<i64, i64>| m.get(&id).is_some_and(|v| *v > 0);
            let any = match kind {
                DatasetKind::Services => has(&dates.services),
                DatasetKind::Times => has(&dates.times),
                DatasetKind::Ratings => has(&dates.ratings),
                DatasetKind::Albo => has(&dates.albo),
                DatasetKind::Budgets => has(&dates.budgets),
                DatasetKind::Reports => has(&dates.reports),
                DatasetKind::Bookings => has(&dates.bookings),
            };
            if !any {
                continue;
            }
            let landing = format!("{public}/{}/dati/{}", e.slug, kind.code());
            let modified_ms = match kind {
                DatasetKind::Services => at(&dates.services, id, issued_ms.max(dates.catalogue)),
                DatasetKind::Times => at(&dates.times, id, issued_ms),
                DatasetKind::Ratings => at(&dates.ratings, id, issued_ms),
                DatasetKind::Albo => at(&dates.albo, id, issued_ms),
                DatasetKind::Budgets => at(&dates.budgets, id, issued_ms),
                DatasetKind::Reports => at(&dates.reports, id, issued_ms),
                DatasetKind::Bookings => at(&dates.bookings, id, issued_ms),
            };
            let mut distributions = distributions(&landing);
            if kind == DatasetKind::Budgets {
                for (ente, process, phase, closes_on) in votes {
                    if *ente == id && closes_on.as_str() < today.as_str() {
                        distributions.push(Distribution {
                            title: format!("Voti di «{process}», {phase} (pabulib .pb)"),
                            url: format!(
                                "{public}/{}/bilancio-partecipativo/{process}/dati/{phase}.pb",
                                e.slug
                            ),
                            format: "TXT",
                            media_type: "text/plain",
                        });
                    }
                }
            }
            out.push(Dataset {
                kind,
                holder: holder.clone(),
                landing,
                issued: day(issued_ms),
                modified: day(modified_ms),
                issued_ms,
                modified_ms,
                distributions,
            });
        }
    }
    out
}

/// An ente's reports, one a row, without who reported them.
async fn reports_table(app: &App, e: &EnteRow) -> Result<Table, AppError> {
    let views = app.reports().all_for_open_data(e.ente_id()).await?;
    let rows = views
        .iter()
        .map(|v| {
            let filed = v.row.created_at;
            let days = v
                .row
                .resolved_at
                .map(|r| Cell::Int(r.saturating_sub(filed) / 86_400_000));
            vec![
                Cell::Text(v.code.clone()),
                Cell::Text(v.category.code.into()),
                Cell::Text(v.row.subject.clone()),
                v.place
                    .address
                    .as_ref()
                    .map_or(Cell::Empty, |a| Cell::Text(a.street.clone())),
                v.district.clone().map_or(Cell::Empty, Cell::Text),
                Cell::Text(v.state.code().into()),
                Cell::Text(day(filed)),
                v.due.map_or(Cell::Empty, |d| Cell::Text(d.to_string())),
                v.row
                    .resolved_at
                    .map_or(Cell::Empty, |r| Cell::Text(day(r))),
                days.unwrap_or(Cell::Empty),
                Cell::Int(v.row.supports),
                Cell::Int(v.row.reopenings),
                Cell::Text(format!(
                    "{}/{}/segnalazioni/{}/{}",
                    app.settings.public_url, e.slug, v.row.year, v.row.number
                )),
            ]
        })
        .collect();
    Ok(Table {
        columns: vec![
            "codice",
            "categoria",
            "oggetto",
            "via",
            "quartiere",
            "stato",
            "data_ricezione",
            "termine",
            "data_risoluzione",
            "giorni_risoluzione",
            "sostegni",
            "riaperture",
            "pagina",
        ],
        rows,
    })
}

/// An ente's bookings counted by place and month (Italian months of the appointment).
async fn bookings_table(app: &App, e: &EnteRow) -> Result<Table, AppError> {
    let counts = app.bookings().month_counts(e.ente_id()).await?;
    let rows = counts
        .into_iter()
        .map(|c| {
            vec![
                Cell::Text(c.calendar),
                Cell::Text(c.kind.into()),
                Cell::Text(c.month),
                Cell::Int(c.booked),
                Cell::Int(c.attended),
                Cell::Int(c.no_show),
                Cell::Int(c.cancelled),
                Cell::Int(c.declined),
                Cell::Int(c.walk_ins),
            ]
        })
        .collect();
    Ok(Table {
        columns: vec![
            "luogo",
            "tipo",
            "mese",
            "prenotati",
            "presentati",
            "non_presentati",
            "annullati",
            "non_accolti",
            "senza_prenotazione",
        ],
        rows,
    })
}
