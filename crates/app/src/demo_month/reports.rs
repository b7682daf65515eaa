//! The demo's reports in Livorno (issue 20): three districts by their streets and outlines,
//! categories routed to their offices, and reports in every state across the districts — taken
//! in charge, in progress, resolved and confirmed, resolved and reopened by the reporter,
//! closed without action, one past its term, one with supports, one sent by a civic app
//! through Open311, a noise complaint and a barrier registered in the protocol. Every person is made up.

use sportello_domain::reports::ReportEventKind as E;

use crate::reports::{ReportInput, Reporter};
use crate::{App, AppError};

use super::stories::Who;
use super::{SeedClock, LIVORNO};

/// (name, streets, outline «lat lon» corners)
const DISTRICTS: [(&str, &str, &str); 3] = [
    (
        "Nord",
        "Via Garibaldi\nPiazza Garibaldi\nVia della Cinta Esterna\nVia Provinciale Pisana\nVia Mastacchi",
        "43.5560 10.3000\n43.5560 10.3400\n43.5800 10.3400\n43.5800 10.3000",
    ),
    (
        "Centro",
        "Via Grande\nPiazza Grande\nVia Cairoli\nVia Ricasoli\nScali del Corso\nPiazza Cavour\nVia Marradi",
        "43.5420 10.3000\n43.5420 10.3400\n43.5560 10.3400\n43.5560 10.3000",
    ),
    (
        "Sud",
        "Viale Italia\nVia dei Pensieri\nVia Roma\nViale Carducci\nPiazza Attias\nVia Fiume",
        "43.5000 10.3000\n43.5000 10.3600\n43.5420 10.3600\n43.5420 10.3000",
    ),
];

/// (category, in use, term days, office): the municipal police takes signs, noise and decay;
/// the public relations office takes the rest and passes them on; strays go to the ASL.
const CATEGORIES: [(&str, bool, &str, &str); 11] = [
    ("strade", true, "30", "URP"),
    ("illuminazione", true, "15", "URP"),
    ("rifiuti", true, "7", "URP"),
    ("verde", true, "30", "URP"),
    ("segnaletica", true, "15", "PM"),
    ("acqua", true, "7", "URP"),
    ("rumore", true, "30", "PM"),
    ("barriere", true, "30", "URP"),
    ("animali", false, "15", ""),
    ("degrado", true, "30", "PM"),
    ("altro", true, "30", "URP"),
];

/// A report of the demo: (days ago, who, category, street, number, lat, lon, subject,
/// description, anonymous, the office's steps (days ago, event, text), the reporter's answer
/// (days ago, solved, text)).
type Seeded = (
    i64,
    Who,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [(i64, E, &'static str)],
    Option<(i64, bool, &'static str)>,
);

const REPORTS: [Seeded; 9] = [
    (
        40,
        Who::Persona("mario-rossi"),
        "illuminazione",
        "Via Grande",
        "48",
        "43.5455",
        "10.3065",
        "Lampione spento davanti al civico 48",
        "Il lampione davanti al civico 48 è spento da una settimana: la sera il marciapiede è al buio.",
        false,
        &[
            (39, E::TakeCharge, ""),
            (35, E::Resolve, "La lampada è stata sostituita dalla ditta di manutenzione."),
        ],
        Some((33, true, "")),
    ),
    (
        30,
        Who::Persona("giulia-bianchi"),
        "strade",
        "Viale Italia",
        "120",
        "43.5114",
        "10.3065",
        "Buca profonda sulla pista ciclabile",
        "Sulla pista ciclabile di Viale Italia, all'altezza del 120, c'è una buca profonda: di sera non si vede.",
        false,
        &[
            (29, E::TakeCharge, ""),
            (20, E::Resolve, "La buca è stata chiusa con asfalto a freddo."),
        ],
        Some((18, false, "La buca si è riaperta dopo la pioggia.")),
    ),
    (
        21,
        Who::Persona("luca-verdi"),
        "rifiuti",
        "Via Garibaldi",
        "15",
        "43.5608",
        "10.3065",
        "Rifiuti ingombranti abbandonati",
        "Un materasso e due sedie sono stati lasciati accanto ai cassonetti.",
        true,
        &[(20, E::Resolve, "Ritirati dal servizio di igiene urbana.")],
        None,
    ),
    (
        16,
        Who::Persona("anna-neri"),
        "verde",
        "",
        "",
        "43.5470",
        "10.3110",
        "Ramo pericolante nel giardino pubblico",
        "Un grosso ramo di un pino è spezzato e pende sopra la panchina vicino all'ingresso.",
        false,
        &[
            (15, E::TakeCharge, ""),
            (12, E::Start, "Il giardino è stato transennato; la potatura è programmata."),
        ],
        None,
    ),
    (
        0,
        Who::Persona("francesco-esposito"),
        "rumore",
        "Via Cairoli",
        "30",
        "43.5517",
        "10.3155",
        "Musica ad alto volume dopo mezzanotte",
        "Il locale al piano terra tiene la musica alta fino alle due di notte, il venerdì e il sabato.",
        true,
        &[(0, E::TakeCharge, "")],
        None,
    ),
    (
        9,
        Who::Persona("chiara-conti"),
        "segnaletica",
        "Via Roma",
        "3",
        "43.5310",
        "10.3155",
        "Cartello di stop girato",
        "Il cartello di stop all'incrocio con Via Fiume è girato verso il muro.",
        false,
        &[(8, E::Close, "Il cartello è della Provincia: abbiamo inoltrato la segnalazione all'ente competente.")],
        None,
    ),
    (
        25,
        Who::Persona("omar-haddad"),
        "rifiuti",
        "Piazza Attias",
        "",
        "",
        "",
        "Cestini sempre pieni in piazza",
        "I cestini della piazza sono pieni ogni pomeriggio e i rifiuti finiscono a terra.",
        false,
        &[],
        None,
    ),
    (
        6,
        Who::Persona("mario-rossi"),
        "strade",
        "Via dei Pensieri",
        "22",
        "43.5226",
        "10.3245",
        "Tombino rumoroso",
        "Il tombino davanti al 22 sbatte ogni volta che passa un'auto, anche di notte.",
        false,
        &[(5, E::Answer, "Grazie: il sopralluogo è previsto per la prossima settimana.")],
        None,
    ),
    (
        0,
        Who::Persona("giulia-bianchi"),
        "barriere",
        "Piazza Grande",
        "",
        "",
        "",
        "Scivolo del marciapiede bloccato",
        "Lo scivolo per carrozzine sul lato del Duomo è bloccato da una fioriera.",
        false,
        &[],
        None,
    ),
];

/// The reports (by their place in [`REPORTS`]) that came with a photo, and its text.
const PHOTOS: [(usize, &str); 2] = [
    (1, "La buca sulla pista ciclabile, vista dal marciapiede"),
    (6, "I cestini pieni, con i rifiuti a terra"),
];

impl App {
    /// Seeds Livorno's districts, categories and reports on the seed's clock, oldest first.
    pub(super) async fn seed_demo_reports(
        &self,
        app: &App,
        clock: &SeedClock,
    ) -> Result<(), AppError> {
        let (Some(office), Some(admin)) = (
            self.demo_staff_member("livorno.istruttore").await?,
            self.demo_staff_member("livorno.admin").await?,
        ) else {
            return Ok(());
        };
        let livorno = self.ente_by_istat(LIVORNO).await?.ente_id();
        clock.set(self.days_ago(60, 0));
        for (name, streets, outline) in DISTRICTS {
            app.reports()
                .set_district_of(livorno, name, streets, outline)
                .await?;
        }
        for (code, in_use, days, office_code) in CATEGORIES {
            app.reports()
                .set_category(&admin, code, in_use, days, office_code)
                .await?;
        }
        // Everything in the order it happened: each report's filing, then its steps.
        let mut moments: Vec<(i64, usize, Option<usize>)> = Vec::new();
        for (i, r) in REPORTS.iter().enumerate() {
            moments.push((r.0, i, None));
            for (j, step) in r.10.iter().enumerate() {
                moments.push((step.0, i, Some(j)));
            }
            if let Some(answer) = r.11 {
                moments.push((answer.0, i, Some(usize::MAX)));
            }
        }
        moments.sort_by_key(|(days, i, step)| (std::cmp::Reverse(*days), step.is_some(), *i));
        let mut numbers: Vec<Option<(i64, i64)>> = vec![None; REPORTS.len()];
        // Today's reports (those its protocol registers: noise, barriers) come in the last
        // hour, after every registration of the month's stories and letters — the register
        // grows in time — and before the albo's jobs register their relate now.
        let mut today = self.now() - time::Duration::minutes(60);
        for (days, i, step) in moments {
            let Some(r) = REPORTS.get(i) else { continue };
            if days == 0 {
                today += time::Duration::minutes(5);
                clock.set(today);
            } else {
                clock.set(self.days_ago(days, 60 + i64::try_from(i).unwrap_or(0)));
            }
            let who = Self::demo_identity(r.1)?;
            match step {
                None => {
                    let input = ReportInput {
                        category: r.2.into(),
                        street: r.3.into(),
                        house_number: r.4.into(),
                        lat: r.5.into(),
                        lon: r.6.into(),
                        subject: r.7.into(),
                        description: r.8.into(),
                        anonymous: r.9,
                    };
                    // Two reports came with a photo: the pothole's, approved by the office
                    // when it took the report in charge; the bins', still to be looked at.
                    let photos = match PHOTOS.iter().find(|(n, _)| *n == i) {
                        Some((_, text)) => {
                            vec![(self.upload_of(&super::PNG).await?, text.to_string())]
                        }
                        None => Vec::new(),
                    };
                    let checked = app
                        .reports()
                        .check(livorno, &input, &photos)
                        .await?
                        .map_err(|p| AppError::Internal(format!("demo report: {p:?}")))?;
                    let v = app
                        .reports()
                        .file(livorno, Reporter::Citizen(&who), &checked)
                        .await?;
                    if let Some(slot) = numbers.get_mut(i) {
                        *slot = Some((v.row.year, v.row.number));
                    }
                }
                Some(usize::MAX) => {
                    let (Some((y, n)), Some((_, solved, text))) =
                        (numbers.get(i).copied().flatten(), r.11)
                    else {
                        continue;
                    };
                    app.reports()
                        .reporter_says(livorno, &who, y, n, solved, text)
                        .await?;
                }
                Some(j) => {
                    let (Some((y, n)), Some((_, event, text))) =
                        (numbers.get(i).copied().flatten(), r.10.get(j))
                    else {
                        continue;
                    };
                    let seen = app.reports().by_number(livorno, y, n).await?.state;
                    if *event == E::TakeCharge && i == 1 {
                        app.reports().review_photo(&office, y, n, 1, true).await?;
                    }
                    app.reports()
                        .office_acts(
                            &office,
                            y,
                            n,
                            &crate::reports::OfficeAct {
                                seen: seen.code(),
                                event: *event,
                                text,
                                office: None,
                            },
                        )
                        .await?;
                }
            }
        }
        // Supports for the full bins: three neighbours said «anche io».
        if let Some((y, n)) = numbers.get(6).copied().flatten() {
            for key in ["luca-verdi", "anna-neri", "chiara-conti"] {
                let who = Self::demo_identity(Who::Persona(key))?;
                app.reports().support(livorno, &who, y, n).await?;
            }
        }
        // A civic app's user, through Open311.
        clock.set(self.days_ago(3, 90));
        let checked = app
            .reports()
            .check(
                livorno,
                &ReportInput {
                    category: "illuminazione".into(),
                    street: "Viale Carducci".into(),
                    house_number: "7".into(),
                    subject: "Semaforo pedonale spento".into(),
                    description: "Semaforo pedonale spento\nIl semaforo per i pedoni all'incrocio non si accende.".into(),
                    anonymous: true,
                    ..Default::default()
                },
                &[],
            )
            .await?
            .map_err(|p| AppError::Internal(format!("demo report: {p:?}")))?;
        app.reports()
            .file(
                livorno,
                Reporter::Client {
                    client: "App civica dimostrativa",
                    email: Some("segnalazioni.demo@example.org"),
                    name: Some("Elena Galli"),
                },
                &checked,
            )
            .await?;
        Ok(())
    }
}
