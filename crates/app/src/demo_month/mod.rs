//! A lived-in month for the demo (issue 16): `serve --demo` on an empty data directory files,
//! examines and decides applications in Livorno, Firenze and Pisa over the past weeks — every
//! state of every regime — registers documents in both directions, and runs two participatory
//! budgets in Livorno (one in its first vote, one closed with results). Everything goes through
//! the real use cases, each at its own moment (a clock set to that day), so registrations,
//! terms, seals and timelines are what they would have been. Fictitious, deterministic, marked
//! DEMO like the rest; seeded once.

use std::sync::Arc;

use sportello_domain::identity::{CitizenIdentity, SpidLevel};
use sportello_domain::tenancy::EnteId;
use time::{Duration, OffsetDateTime};

use crate::back_office::OfficeAction;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, Clock};

/// A letter that came by PEC: (days ago, from, subject, classification, office routed to,
/// taken in charge).
type Letter = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// When in its day a letter is registered, in minutes after the day's first step: after every
/// story's step of that day (those are within the first hour).
const LETTER_MINUTE: i64 = 240;

/// The demo's letters, oldest first.
const LETTERS: [Letter; 2] = [
    (
        6,
        "ASL Toscana nord ovest — UF Igiene pubblica",
        "Parere igienico-sanitario sul progetto di ristrutturazione in via Roma 12",
        "VI.1",
        "SUE",
        false,
    ),
    (
        4,
        "Prefettura di Livorno",
        "Modifiche alla viabilità per la manifestazione del 12 dicembre",
        "IX.1",
        "PM",
        true,
    ),
];

/// The seeding's clock: set to the moment of each step before the step runs.
#[derive(Debug)]
struct SeedClock(std::sync::Mutex<OffsetDateTime>);

impl Clock for SeedClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SeedClock {
    fn set(&self, at: OffsetDateTime) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }
}

/// A 2×2 PNG, for the photos the forms ask for.
const PNG: [u8; 72] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 253, 212, 154, 115, 0, 0, 0, 15, 73, 68, 65, 84, 120, 156, 99, 96, 72, 59, 3, 66, 16, 10,
    0, 30, 86, 4, 201, 149, 175, 177, 158, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// A demo participatory budget: slug, title, description, phases (kind, from and to as days
/// before today), projects (title, cost, feasible), voters.
type DemoBudget = (
    &'static str,
    &'static str,
    &'static str,
    [(&'static str, i64, i64); 4],
    [(&'static str, i64, bool); 5],
    u32,
);

mod albo;
mod bookings;
mod ratings;
mod reports;
mod stories;
use stories::{stories, Kind, Step, Story, Who, FIRENZE, LIVORNO, PISA};

impl App {
    /// A copy of this app on the seeding's clock, with a protocol registrar of its own on that
    /// clock (registrations take their time from the registrar). The registrar stops when the
    /// copy is dropped.
    fn on_seed_clock(&self) -> (App, Arc<SeedClock>) {
        let clock = Arc::new(SeedClock(std::sync::Mutex::new(self.now())));
        let mut writer = self.clone();
        writer.clock = clock.clone();
        writer.registrar = Arc::default();
        let mut app = writer.clone();
        app.registrar = Arc::default();
        let _ = app
            .registrar
            .set(crate::registrar::Registrar::start(writer));
        (app, clock)
    }

    /// `days` days before today, at `minute` past 10:00 Italian time (09:00 UTC).
    fn days_ago(&self, days: i64, minute: i64) -> OffsetDateTime {
        let day = self.now().date() - Duration::days(days);
        day.with_hms(9, 0, 0)
            .map(|t| t.assume_utc())
            .unwrap_or_else(|_| self.now())
            + Duration::minutes(minute)
    }

    async fn demo_staff_member(&self, username: &str) -> Result<Option<StaffPrincipal>, AppError> {
        match self.store.staff_user_by_username(username).await? {
            Some(u) => Ok(Some(self.staff_principal(u).await?)),
            None => Ok(None),
        }
    }

    fn demo_identity(who: Who) -> Result<CitizenIdentity, AppError> {
        let bad = |e: String| AppError::Internal(format!("demo person: {e}"));
        Ok(match who {
            Who::Persona(key) => {
                let p = crate::demo::persona(key).ok_or_else(|| bad(key.into()))?;
                CitizenIdentity {
                    fiscal_code: p.fiscal_code().map_err(|e| bad(e.to_string()))?,
                    given_name: p.given_name.into(),
                    family_name: p.family_name.into(),
                    level: SpidLevel::L2,
                    email: Some(p.email.into()),
                    company: p.company_vat().map(|(name, vat)| {
                        sportello_domain::identity::Company {
                            name,
                            vat: vat.to_string(),
                        }
                    }),
                    assisted: None,
                }
            }
            Who::Numbered(n, given, family) => {
                let code =
                    crate::demo::test_person_fiscal_code(n).ok_or_else(|| bad(n.to_string()))?;
                CitizenIdentity {
                    fiscal_code: sportello_domain::CodiceFiscale::parse(&code)
                        .map_err(|e| bad(e.to_string()))?,
                    given_name: given.into(),
                    family_name: family.into(),
                    level: SpidLevel::L2,
                    email: None,
                    company: None,
                    assisted: None,
                }
            }
        })
    }

    /// Files one story's application, at this app's moment.
    async fn file_demo_story(
        &self,
        ente: EnteId,
        story: &Story,
        who: &CitizenIdentity,
    ) -> Result<Option<String>, AppError> {
        let acting = match story.client {
            Some((id, name)) => crate::applications::ActingFor::Client {
                id: id.into(),
                name: name.into(),
                mandate_file_name: "procura-speciale.pdf".into(),
                mandate: self
                    .upload_of(&crate::pdf::render(
                        "Procura speciale",
                        &[crate::pdf::Line::Text(
                            "Documento dimostrativo: dati fittizi, nessun valore legale.".into(),
                        )],
                    ))
                    .await?,
            },
            None => story.acting.clone(),
        };
        let id = self
            .applications()
            .start_application_for(ente, story.service, who, acting)
            .await?;
        let mut values: sportello_domain::forms::Values = story
            .values
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        // Dates the forms want near the day of filing (a pickup, a room's day ahead; a birth
        // shortly before), so that the month is the same whatever day it is seeded.
        for (k, days) in [
            ("dal", 10),
            ("al", 12),
            ("data_inizio", 0),
            ("validita_dal", 0),
            ("data_preferita", 30),
            ("data", 60),
            ("data_evento", -20),
            ("data_nascita_bambino", -240),
            ("dehors_dal", 20),
            ("dehors_al", 140),
        ] {
            values
                .entry(k.to_string())
                .or_insert_with(|| (self.now().date() + Duration::days(days)).to_string());
        }
        if let Some(c) = &who.company {
            values.insert("ragione_sociale".into(), c.name.clone());
            values.insert("partita_iva".into(), c.vat.clone());
        }
        let steps = self
            .applications()
            .draft(ente, &id, who)
            .await?
            .service
            .definition
            .form
            .steps
            .len();
        for step in 0..steps {
            self.applications()
                .save_step(ente, &id, who, step, &values)
                .await?;
        }
        for (field, name, kind) in story.files {
            let bytes = match kind {
                Kind::Pdf => crate::pdf::render(
                    name,
                    &[crate::pdf::Line::Text(
                        "Documento dimostrativo: dati fittizi, nessun valore legale.".into(),
                    )],
                ),
                Kind::Png => PNG.to_vec(),
            };
            let upload = self.upload_of(&bytes).await?;
            self.applications()
                .upload(ente, &id, who, field, name, &upload)
                .await?;
        }
        // Fees due before sending: the notice made and paid at the demo's checkout first. A
        // demo connected to pagoPA (the browser suite's simulator) pays nothing in the past:
        // that story is left a draft.
        let definition = self
            .applications()
            .draft(ente, &id, who)
            .await?
            .service
            .definition;
        if self.payments().pay_first(ente, &definition).await? {
            if self.settings.pagopa.is_some() {
                return Ok(None);
            }
            self.payments().application_fees(ente, &id, who).await?;
            let debt = self.payments().application_debt(ente, &id, who).await?;
            for option in debt.iter().flat_map(|d| d.options.iter()) {
                self.payments().demo_pay(ente, &option.notice, who).await?;
            }
        }
        self.applications().submit(ente, &id, who, true).await?;
        Ok(Some(id))
    }

    /// The three municipalities' creditor data for pagoPA: their fiscal codes, a segregation
    /// code each from the regional intermediary, and the example IBAN of the Italian banking
    /// association (not an account anyone holds).
    async fn seed_demo_creditors(&self) -> Result<(), AppError> {
        // Livorno also collects on a postal account (a made-up number and authorisation), so its
        // notices print the postal block with its Data Matrix.
        for (istat, fiscal_code, segregation, cbill, postal) in [
            (LIVORNO, "00104330493", "01", "LI001", "12345678"),
            (FIRENZE, "01307110484", "02", "FI001", ""),
            (PISA, "00341620508", "03", "PI001", ""),
        ] {
            let ente = self.ente_by_istat(istat).await?.ente_id();
            if self.store.tenant(ente).creditor().await?.is_some() {
                continue;
            }
            self.store
                .tenant(ente)
                .set_creditor(&sportello_store::CreditorRow {
                    fiscal_code: fiscal_code.into(),
                    segregation_code: segregation.into(),
                    iban: "IT60X0542811101000000123456".into(),
                    postal_account: postal.into(),
                    postal_authorisation: if postal.is_empty() {
                        String::new()
                    } else {
                        "AUT. DEMO/0001 DEL 01/01/2026 (fittizia)".into()
                    },
                    cbill: cbill.into(),
                    updated_by: "DEMO".into(),
                    updated_at: sportello_store::to_millis(self.now()),
                })
                .await?;
        }
        Ok(())
    }

    /// Livorno's collections: most fees paid a day after their notice (the demo's platform's
    /// receipts), the older payments reported in a PSP's flow and credited at the treasury,
    /// the last days' reported but not yet credited; a receipt for a notice Livorno never
    /// issued, an anomaly left open for the office.
    async fn seed_demo_collections(&self, app: &App, clock: &SeedClock) -> Result<(), AppError> {
        // Connected to pagoPA, the demo's collections come from it, not from the seed.
        if self.settings.pagopa.is_some() {
            return Ok(());
        }
        let livorno = self.ente_by_istat(LIVORNO).await?.ente_id();
        let tenant = self.store.tenant(livorno);
        let Some(creditor) = tenant.creditor().await? else {
            return Ok(());
        };
        self.seed_demo_spontaneous(app, clock, livorno).await?;
        let day = 86_400_000i64;
        let today = sportello_store::to_millis(self.now());
        let mut lines = tenant.payment_lines(1000).await?;
        lines.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then(a.notice_number.cmp(&b.notice_number))
        });
        // The oldest stays unpaid (past its due date), and the last two days' too.
        let mut paid = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i == 0 || l.paid_at.is_some() || l.created_at > today - 2 * day {
                continue;
            }
            let at = crate::model::from_millis(l.created_at + day);
            clock.set(at);
            let receipt = crate::pagopa::demo_receipt(
                &creditor.fiscal_code,
                (&l.notice_number, l.amount_cents),
                at,
                &format!("{:032x}", i + 1),
                None,
            );
            app.payments()
                .record(&receipt)
                .await
                .map_err(|f| AppError::Internal(f.why))?;
            paid.push((l.created_at + day, receipt));
        }
        // The PSP's flows: the older half of the payments in one (credited), the rest in
        // another (not yet).
        let (older, recent) = paid.split_at(paid.len() / 2);
        for (n, group) in [older, recent].into_iter().enumerate() {
            let Some((last, _)) = group.last() else {
                continue;
            };
            let date = crate::model::from_millis(*last + day).date();
            let flow_id = format!("{date}DEMOPSP-{:04}", n + 1);
            let mut payments = Vec::new();
            for (_, r) in group {
                let transfers = tenant.transfers_of(&r.notice_number).await?;
                for t in transfers.iter().filter(|t| t.stamp_type.is_empty()) {
                    payments.push(sportello_store::FlowPayment {
                        index: i64::try_from(payments.len() + 1).unwrap_or(i64::MAX),
                        iuv: r.iuv.clone(),
                        iur: r.receipt_id.clone(),
                        transfer_no: t.transfer_no,
                        amount_cents: t.amount_cents,
                        status: "EXECUTED".into(),
                        pay_date: r.payment_date_time.clone(),
                    });
                }
            }
            let total = payments
                .iter()
                .try_fold(0i64, |s, p| s.checked_add(p.amount_cents))
                .ok_or(crate::Refusal::AmountTooLarge)?;
            let read_at = *last + day;
            clock.set(crate::model::from_millis(read_at));
            tenant
                .record_flow(
                    &sportello_store::NewFlow {
                        flow_id: flow_id.clone(),
                        revision: 1,
                        psp_id: "DEMOPSP".into(),
                        flow_date: format!("{date}T12:00:00Z"),
                        regulation_id: format!("SCT-{flow_id}"),
                        regulation_date: date.to_string(),
                        total_cents: total,
                        payments,
                    },
                    read_at,
                )
                .await?;
            if n == 0 {
                tenant
                    .record_credits(
                        &format!("GIORNALE-{date}"),
                        &[sportello_store::NewCredit {
                            entry_ref: "1".into(),
                            amount_cents: total,
                            booking_date: date.to_string(),
                            remittance: format!("/PUR/LGPE-RIVERSAMENTO/URI/{flow_id}"),
                            flow_hint: Some(flow_id.clone()),
                        }],
                        "Tesoreria (dimostrazione)",
                        read_at + day,
                    )
                    .await?;
            }
        }
        // A receipt for a notice Livorno never issued: the office's open anomaly.
        let unknown = sportello_domain::payments::NoticeNumber::issue(
            sportello_domain::payments::SegregationCode::parse(&creditor.segregation_code)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            9_000_000,
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        // A ZTL permit's notice started 40 days ago and never paid: expired.
        clock.set(self.days_ago(40, 0));
        if let Some(ztl) = crate::spontaneous::kind("permesso-ztl-annuale") {
            let who = Self::demo_identity(Who::Persona("luca-verdi"))?;
            let input = crate::spontaneous::SpontaneousInput {
                reference: "LI917PZ".into(),
                token: "demo-spontaneo-scaduto-livorno".into(),
                ..Default::default()
            };
            if let Err(problems) = app
                .payments()
                .start_spontaneous(livorno, ztl, &who, &input)
                .await?
            {
                return Err(AppError::Internal(format!("demo ZTL: {problems:?}")));
            }
            clock.set(self.days_ago(0, 0));
            app.expire_positions().await?;
        }
        let at = self.days_ago(1, 0);
        clock.set(at);
        app.payments()
            .record(&crate::pagopa::demo_receipt(
                &creditor.fiscal_code,
                (unknown.as_str(), 3_000),
                at,
                "anomalia-dimostrativa",
                None,
            ))
            .await
            .map_err(|f| AppError::Internal(f.why))?;
        Ok(())
    }

    /// Payments residents started themselves at Livorno: canteen top-ups (the older ones paid
    /// with the rest, yesterday's still to pay), a ZTL permit, a certificate's fees and stamp.
    async fn seed_demo_spontaneous(
        &self,
        app: &App,
        clock: &SeedClock,
        livorno: EnteId,
    ) -> Result<(), AppError> {
        // Mario's three children, Sara's son (codici fiscali of their names and birth dates).
        let top_ups: [(i64, Who, &str, &str, &str, &str); 6] = [
            (
                14,
                Who::Persona("mario-rossi"),
                "ricarica-mensa",
                "40",
                "RSSLCU15C12E625U",
                "Luca Rossi",
            ),
            (
                9,
                Who::Numbered(3, "Sara", "Galli"),
                "ricarica-mensa",
                "25",
                "GLLTMS16S02E625M",
                "Tommaso Galli",
            ),
            (
                7,
                Who::Numbered(4, "Paolo", "Conti"),
                "permesso-ztl-annuale",
                "",
                "LI482KX",
                "",
            ),
            (
                5,
                Who::Persona("mario-rossi"),
                "ricarica-mensa",
                "30",
                "RSSSFO17P43E625I",
                "Sofia Rossi",
            ),
            (
                3,
                Who::Numbered(5, "Elena", "Ferri"),
                "diritti-certificato",
                "",
                "Certificato di stato di famiglia",
                "",
            ),
            (
                1,
                Who::Persona("mario-rossi"),
                "ricarica-mensa",
                "20",
                "RSSPTR19E20E625J",
                "Pietro Rossi",
            ),
        ];
        for (n, (days, who, kind, amount, reference, name)) in top_ups.into_iter().enumerate() {
            let Some(kind) = crate::spontaneous::kind(kind) else {
                continue;
            };
            clock.set(self.days_ago(days, 600 + i64::try_from(n).unwrap_or(0)));
            let who = Self::demo_identity(who)?;
            let input = crate::spontaneous::SpontaneousInput {
                amount: amount.into(),
                reference: reference.into(),
                reference_name: name.into(),
                token: format!("demo-spontaneo-{n:04}-livorno"),
            };
            if let Err(problems) = app
                .payments()
                .start_spontaneous(livorno, kind, &who, &input)
                .await?
            {
                return Err(AppError::Internal(format!(
                    "demo payment {}: {problems:?}",
                    kind.id
                )));
            }
        }
        Ok(())
    }

    /// A letter the registry clerk registered `days` ago and routed to an office; taken in
    /// charge the same morning by the case worker when `taken`.
    async fn seed_demo_letter(
        &self,
        app: &App,
        clock: &SeedClock,
        letter: &Letter,
    ) -> Result<(), AppError> {
        let (Some(clerk), Some(operator)) = (
            self.demo_staff_member("livorno.protocollo").await?,
            self.demo_staff_member("livorno.istruttore").await?,
        ) else {
            return Ok(());
        };
        let (days, from, subject, class, office, taken) = *letter;
        clock.set(self.days_ago(days, LETTER_MINUTE));
        let pdf = crate::pdf::render(
            subject,
            &[crate::pdf::Line::Text(
                "Documento dimostrativo: dati fittizi, nessun valore legale.".into(),
            )],
        );
        let id = app
            .registry()
            .register_document(
                &clerk,
                crate::registry::NewProtocolEntry {
                    direction: sportello_domain::protocol::Direction::Inbound,
                    correspondent: from.into(),
                    subject: subject.into(),
                    sender_reference: None,
                    channel: "pec".into(),
                    classification: class.into(),
                    document: ("lettera.pdf".into(), self.upload_of(&pdf).await?),
                    attachments: Vec::new(),
                },
            )
            .await?;
        clock.set(self.days_ago(days, LETTER_MINUTE + 20));
        app.registry().route_entry(&clerk, id, office).await?;
        if taken {
            clock.set(self.days_ago(days, LETTER_MINUTE + 90));
            app.registry().take_entry(&operator, id).await?;
        }
        Ok(())
    }

    /// The municipalities' own pages in the demo: contacts, the data protection officer, what
    /// each of Livorno's offices does. Fictitious, on reserved domains (RFC 2606).
    async fn seed_demo_pages(&self) -> Result<(), AppError> {
        let now = sportello_store::to_millis(self.now());
        for (istat, slug, address, phone) in [
            (
                LIVORNO,
                "livorno",
                "Piazza del Municipio 1, 57123 Livorno",
                "0586 820111",
            ),
            (
                FIRENZE,
                "firenze",
                "Piazza della Signoria 1, 50122 Firenze",
                "055 055",
            ),
            (PISA, "pisa", "Via degli Uffizi 1, 56125 Pisa", "050 910111"),
        ] {
            let Ok(ente) = self.ente_by_istat(istat).await else {
                continue;
            };
            let tenant = self.store.tenant(ente.ente_id());
            tenant
                .set_ente_profile(&sportello_store::EnteProfileRow {
                    address: address.into(),
                    phone: phone.into(),
                    email: format!("urp@comune.{slug}.example"),
                    pec: format!("comune.{slug}@postacert.example"),
                    hours: "Dal lunedì al venerdì 8:30–13:00; martedì e giovedì anche 15:00–17:00"
                        .into(),
                    dpo: "Avv. Giulia Serra (DEMO)".into(),
                    dpo_email: format!("rpd@comune.{slug}.example"),
                    accessibility_url: String::new(),
                    updated_by: "DEMO".into(),
                    updated_at: now,
                })
                .await?;
            if istat != LIVORNO {
                continue;
            }
            for (code, description, hours) in [
                ("URP", "Informazioni sui servizi, reclami e segnalazioni, accesso agli atti; aiuta a presentare le domande online.", "Dal lunedì al venerdì 8:30–13:00"),
                ("DEMO", "Anagrafe, stato civile ed elettorale: residenza, certificati, carta d'identità elettronica.", "Su appuntamento, dal lunedì al sabato 8:30–12:30"),
                ("SUAP", "Avvio e modifica delle attività economiche: SCIA, autorizzazioni commerciali, pubblici esercizi.", "Martedì e giovedì 9:00–12:00"),
                ("SUE", "Edilizia privata: CILA, SCIA edilizie, permessi di costruire, certificati di destinazione urbanistica.", "Martedì e giovedì 9:00–12:00"),
                ("SCUOLA", "Nidi d'infanzia, mensa e trasporto scolastico, contributi allo studio.", "Lunedì, mercoledì e venerdì 9:00–12:30"),
                ("PM", "Viabilità, permessi di sosta e ZTL, passi carrabili, occupazioni di suolo pubblico, contrassegni per persone con disabilità.", "Dal lunedì al sabato 8:00–13:00"),
            ] {
                tenant
                    .set_office_details(
                        code,
                        &sportello_store::OfficeDetails {
                            description: description.into(),
                            address: String::new(),
                            hours: hours.into(),
                            phone: String::new(),
                            email: format!("{}@comune.livorno.example", code.to_lowercase()),
                            pec: String::new(),
                        },
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Two participatory budgets of Livorno: last year's, closed with its results, and this
    /// year's, in its first vote. Proposals, reviews and ballots each at their moment.
    async fn seed_demo_budgets(&self, app: &App, clock: &SeedClock) -> Result<(), AppError> {
        use crate::pb::{BallotInput, NewProcess};
        let livorno = self.ente_by_istat(LIVORNO).await?;
        let Some(admin) = self.demo_staff_member("livorno.admin").await? else {
            return Ok(());
        };
        let day = |d: i64| (self.now().date() - Duration::days(d)).to_string();
        let resident = |n: u32| Self::demo_identity(Who::Numbered(n, "Residente", "di Livorno"));
        // (slug, title, description, phases as days before today, projects, voters)
        let budgets: [DemoBudget; 2] = [
            (
                "bp-2025",
                "Bilancio partecipativo 2025",
                "200.000 euro decisi da chi vive a Livorno: il voto si è concluso.",
                [("proposals", 200, 190), ("review", 189, 180), ("vote1", 179, 170), ("results", 169, -200)],
                [
                    ("Nuova illuminazione al parco Pertini", 60_000, true),
                    ("Campo da basket a Shangai", 45_000, true),
                    ("Biblioteca dei ragazzi alla Venezia", 80_000, true),
                    ("Orti urbani a Salviano", 25_000, true),
                    ("Funivia per Montenero", 180_000, false),
                ],
                23,
            ),
            (
                "bp-2026",
                "Livorno decide 2026",
                "Il secondo bilancio partecipativo: 250.000 euro per i quartieri. La prima votazione è aperta.",
                [("proposals", 40, 26), ("review", 25, 16), ("vote1", 15, -12), ("results", -13, -120)],
                [
                    ("Fontanelle d'acqua nei giardini", 30_000, true),
                    ("Pista ciclabile sul lungomare", 150_000, true),
                    ("Panchine e ombra in piazza Garibaldi", 40_000, true),
                    ("Area cani al parco di Villa Fabbricotti", 20_000, true),
                    ("Parcheggio multipiano in centro", 240_000, false),
                ],
                21,
            ),
        ];
        for (slug, title, description, phases, projects, voters) in budgets {
            let created = phases[0].1 + 1;
            clock.set(self.days_ago(created, 0));
            app.participation()
                .create_pb_process(
                    &admin,
                    &livorno,
                    NewProcess {
                        slug: slug.into(),
                        title: title.into(),
                        description: description.into(),
                        budget: if slug == "bp-2025" { 200_000 } else { 250_000 },
                        ballot_kind: "approval".into(),
                        min_projects: None,
                        max_projects: None,
                        max_points: None,
                        rule: "mes".into(),
                        eligibility: "any".into(),
                        min_age: 16,
                        phases: phases
                            .iter()
                            .map(|(k, from, to)| ((*k).to_string(), day(*from), day(*to)))
                            .collect(),
                        districts: vec![],
                    },
                )
                .await?;
            let base = if slug == "bp-2025" { 500 } else { 600 };
            clock.set(self.days_ago(phases[0].1 - 2, 0));
            for (k, (name, cost, _)) in projects.iter().enumerate() {
                let who = resident(base + u32::try_from(k).unwrap_or(0))?;
                app.participation()
                    .propose_pb(
                        &livorno,
                        slug,
                        &who,
                        name,
                        "Proposta di un gruppo di residenti (DEMO).",
                        Some(*cost),
                        None,
                        &[],
                    )
                    .await?;
            }
            clock.set(self.days_ago(phases[1].1 - 2, 0));
            let process = app.participation().pb_process(&livorno, slug).await?;
            for p in &process.projects {
                let feasible = projects
                    .iter()
                    .find(|(name, _, _)| *name == p.title)
                    .is_none_or(|(_, _, ok)| *ok);
                let reason = if feasible {
                    ""
                } else {
                    "Non realizzabile: l'opera richiede una variante urbanistica e autorizzazioni che il bilancio partecipativo non può dare."
                };
                app.participation()
                    .review_pb(
                        &admin,
                        &livorno,
                        slug,
                        &p.id,
                        feasible,
                        p.cost.or(Some(p.estimated_cost)),
                        reason,
                    )
                    .await?;
            }
            for v in 0..voters {
                clock.set(self.days_ago(phases[2].1 - 1, i64::from(v)));
                let who = resident(base + 50 + v)?;
                // Approval of two or three of the four feasible projects, varied by voter.
                let choice: Vec<i64> = match v % 4 {
                    0 => vec![1, 3],
                    1 => vec![1, 2],
                    2 => vec![3, 4],
                    _ => vec![1, 3, 4],
                };
                app.participation()
                    .cast_pb_ballot(
                        &livorno,
                        slug,
                        &who,
                        &BallotInput {
                            projects: choice,
                            points: vec![],
                            district: None,
                        },
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Seeds the month once: nothing happens if Livorno's register already has an entry.
    pub async fn seed_demo_month(&self) -> Result<usize, AppError> {
        let livorno = match self.ente_by_istat(LIVORNO).await {
            Ok(e) => e,
            Err(AppError::NotFound) => return Ok(0),
            Err(e) => return Err(e),
        };
        let (aoo, _) = self.store.tenant(livorno.ente_id()).main_aoo().await?;
        if self.store.region_wide().register_head(aoo).await?.is_some() {
            return Ok(0);
        }
        self.seed_demo_pages().await?;
        self.seed_demo_creditors().await?;
        let operator = self.demo_staff_member("livorno.istruttore").await?;
        let officers = [
            (
                LIVORNO,
                self.demo_staff_member("livorno.responsabile").await?,
            ),
            (
                FIRENZE,
                self.demo_staff_member("firenze.responsabile").await?,
            ),
            (PISA, self.demo_staff_member("pisa.responsabile").await?),
        ];
        // Every filing and every step of every story, in the order it happened: each register
        // grows in time, each case's timeline too.
        let stories = stories();
        let mut timeline: Vec<(i64, usize, Option<usize>)> = Vec::new(); // (days ago, story, step)
        for (i, story) in stories.iter().enumerate() {
            timeline.push((story.filed, i, None));
            for (j, (days, _)) in story.steps.iter().enumerate() {
                timeline.push((*days, i, Some(j)));
            }
        }
        timeline.sort_by_key(|(days, i, step)| (std::cmp::Reverse(*days), step.is_some(), *i));
        let mut filed: Vec<(usize, EnteId, String, CitizenIdentity)> = Vec::new();
        let mut last_jobs_day = None;
        let (app, clock) = self.on_seed_clock();
        // Letters by post and PEC, registered in their place in the register's time.
        let mut letters: Vec<Letter> = LETTERS.to_vec();
        for (days, i, step) in timeline {
            // A letter's day is over once the timeline is past it: the letter came late that
            // day, after that day's steps (their minutes are below the letter's).
            while letters.first().is_some_and(|l| l.0 > days) {
                let letter = letters.remove(0);
                self.seed_demo_letter(&app, &clock, &letter).await?;
            }
            let Some(story) = stories.get(i) else {
                continue;
            };
            let minute = i64::try_from(i).unwrap_or(0) + if step.is_some() { 30 } else { 0 };
            clock.set(self.days_ago(days, minute));
            // Each day's jobs, as they would have run that morning: terms that ran out.
            if last_jobs_day != Some(days) {
                app.case_deadlines_now().await?;
                last_jobs_day = Some(days);
            }
            let Some(j) = step else {
                let ente = self.ente_by_istat(story.istat).await?.ente_id();
                let who = Self::demo_identity(story.person)?;
                let Some(id) = app.file_demo_story(ente, story, &who).await? else {
                    continue;
                };
                // The applicant makes the notice of the service's fees, if it has any.
                match app.payments().application_fees(ente, &id, &who).await {
                    Ok(_) | Err(AppError::Refusal(crate::Refusal::NoFees)) => {}
                    Err(e) => return Err(e),
                }
                filed.push((i, ente, id, who));
                continue;
            };
            let (Some((_, ente, id, who)), Some((_, step))) =
                (filed.iter().find(|f| f.0 == i), story.steps.get(j))
            else {
                continue;
            };
            let officer = officers
                .iter()
                .find(|(istat, _)| *istat == story.istat)
                .and_then(|(_, o)| o.clone());
            let worker = if story.istat == LIVORNO {
                operator.clone().or(officer.clone())
            } else {
                officer.clone()
            };
            // A step on a part of the filing acts on that part's case.
            let (id, step) = match *step {
                Step::OnPart(n, inner) => {
                    let Some(part) = app.filing_parts(*ente, id).await?.into_iter().nth(n) else {
                        continue;
                    };
                    (part.id, inner)
                }
                _ => (id.clone(), step),
            };
            let id = &id;
            let act = |staff: Option<StaffPrincipal>, action: OfficeAction| {
                let app = app.clone();
                let id = id.clone();
                async move {
                    match staff {
                        Some(s) => app.back_office().office_act(&s, &id, action).await,
                        None => Ok(()),
                    }
                }
            };
            match *step {
                Step::Start => act(worker, OfficeAction::Start).await?,
                Step::Integration(text) => {
                    act(
                        worker,
                        OfficeAction::RequestIntegration { text: text.into() },
                    )
                    .await?
                }
                Step::Preavviso(text) => {
                    act(
                        officer,
                        OfficeAction::SendPreavviso {
                            reasons: text.into(),
                        },
                    )
                    .await?
                }
                Step::Accept(text) => {
                    act(
                        officer,
                        OfficeAction::Accept {
                            motivation: text.into(),
                        },
                    )
                    .await?
                }
                Step::Reject(text) => {
                    act(
                        officer,
                        OfficeAction::Reject {
                            motivation: text.into(),
                        },
                    )
                    .await?
                }
                Step::Answer(text) => {
                    app.applications()
                        .answer(*ente, id, who, text, Vec::new())
                        .await?
                }
                Step::Withdraw => {
                    app.applications().withdraw(*ente, id, who).await?;
                }
                Step::OnPart(..) => {}
            }
        }
        for letter in letters {
            self.seed_demo_letter(&app, &clock, &letter).await?;
        }
        // Livorno's nursery call: its ranking, scored by the call's criteria, approved and
        // published by the responsible officer once the applications are in.
        if let Some(officer) = officers
            .iter()
            .find(|(istat, _)| *istat == LIVORNO)
            .and_then(|(_, o)| o.clone())
        {
            clock.set(self.days_ago(5, 0));
            app.back_office()
                .approve_ranking(&officer, "iscrizione-asilo-nido")
                .await?;
        }
        self.seed_demo_budgets(&app, &clock).await?;
        self.seed_demo_collections(&app, &clock).await?;
        self.seed_demo_albo(&app, &clock).await?;
        self.seed_demo_reports(&app, &clock).await?;
        self.seed_demo_bookings(&app, &clock).await?;
        // The albo's jobs run now, on the real clock, after every other registration (the
        // register grows in time): a heartbeat left at a seeded time would read as an outage
        // on the first real one, and the relate of what is over are registered now.
        clock.set(self.now());
        app.albo_jobs(true).await?;
        self.seed_demo_ratings(&app, &clock).await?;
        // Today's jobs: terms that ran out meanwhile (silent consent), the daily registers.
        self.case_deadlines_now().await?;
        // The region's times, rolled up from every ente's counts at once.
        self.store
            .roll_up_region_times(sportello_store::to_millis(self.now()))
            .await?;
        Ok(filed.len())
    }
}
