//! The demo's month of Livorno's albo pretorio (issue 18): deliberations (one immediately
//! executive), a determinazione, an ordinance, marriage banns, a third party's act, an annulled
//! notice, an act of a type Livorno added to the region's list, acts whose period is over (ended by the jobs, with their relata registered in the
//! protocol), and a request still waiting whose text holds personal data, for the publication
//! officer's privacy check. Every name is made up.

use crate::albo::RequestInput;
use crate::pdf::{render, Line};
use crate::{App, AppError};

use super::{SeedClock, LIVORNO};

/// (days ago, type, number, subject, requester, responsible, days asked, immediately executive,
/// annulled with this reason)
type Act = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
);

const ACTS: [Act; 9] = [
    (
        40,
        "bando",
        "12",
        "Bando di concorso pubblico per esami per 3 posti di istruttore amministrativo",
        "Ufficio Personale",
        "Dott.ssa Anna Ricci",
        "30",
        false,
        None,
    ),
    (
        25,
        "delibera-giunta",
        "201",
        "Approvazione del progetto esecutivo di riqualificazione di piazza Cavour",
        "Segreteria generale",
        "Ing. Paola Verdi",
        "",
        false,
        None,
    ),
    (
        10,
        "atto-terzi",
        "",
        "Tribunale di Livorno: avviso di deposito di atti giudiziari",
        "Tribunale di Livorno",
        "Cancelleria civile",
        "20",
        false,
        None,
    ),
    (
        9,
        "avviso",
        "",
        "Avviso pubblico per contributi alle associazioni sportive 2027",
        "Ufficio Sport",
        "Dott. Marco Bellini",
        "30",
        false,
        Some("Pubblicato per errore con la scadenza sbagliata: sostituito dall'avviso successivo."),
    ),
    (
        6,
        "delibera-consiglio",
        "58",
        "Variazione di bilancio di previsione 2026-2028",
        "Segreteria generale",
        "Dott. Luigi Mancini",
        "",
        true,
        None,
    ),
    (
        5,
        // A type of Livorno's own (added by the seed, beside the region's list).
        "ente-avviso-di-deposito",
        "",
        "Avviso di deposito del piano attuativo «Nuova Darsena»: osservazioni entro trenta giorni",
        "Ufficio Urbanistica",
        "Arch. Paolo Neri",
        "",
        false,
        None,
    ),
    (
        4,
        "determinazione",
        "1450",
        "Affidamento del servizio di manutenzione del verde pubblico per il 2027",
        "Ufficio Ambiente",
        "Arch. Giulia Conti",
        "",
        false,
        None,
    ),
    (
        3,
        "matrimonio",
        "",
        "Pubblicazione di matrimonio tra Luca Neri e Sara Galli",
        "Ufficio di Stato civile",
        "Ufficiale di Stato civile",
        "",
        false,
        None,
    ),
    (
        2,
        "ordinanza",
        "312",
        "Divieto di transito e sosta in via Grande per lavori alla rete idrica",
        "Polizia municipale",
        "Comandante Piero Sala",
        "",
        false,
        None,
    ),
];

impl App {
    /// Seeds Livorno's albo on the seed's clock, oldest first (the chain's order). The caller
    /// then runs the albo's jobs now, after every other registration of the seed: what is over
    /// ends with its relata, registered in the protocol now.
    pub(super) async fn seed_demo_albo(
        &self,
        app: &App,
        clock: &SeedClock,
    ) -> Result<(), AppError> {
        let (Some(office), Some(officer)) = (
            self.demo_staff_member("livorno.istruttore").await?,
            self.demo_staff_member("livorno.albo").await?,
        ) else {
            return Ok(());
        };
        let _ = self.ente_by_istat(LIVORNO).await?;
        // Livorno's own act type, added by its publication officer before the month began.
        clock.set(self.days_ago(45, 0));
        if let Err(problems) = app
            .albo()
            .add_own_type(&officer, "Avviso di deposito", "30")
            .await?
        {
            return Err(AppError::Internal(format!("demo albo type: {problems:?}")));
        }
        for (days, kind, number, subject, requester, responsible, asked, immediately, annulled) in
            ACTS
        {
            clock.set(self.days_ago(days, 30));
            let act_date = (self.days_ago(days + 1, 0)).date().to_string();
            let text = format!(
                "{subject}. Atto n. {number} adottato il {act_date}. Il responsabile: {responsible}. \
                 Documento dimostrativo: dati fittizi, nessun valore legale."
            );
            let pdf = render(subject, &[Line::Title(subject.into()), Line::Text(text)]);
            let upload = self.upload_of(&pdf).await?;
            let id = match app
                .albo()
                .request(
                    &office,
                    &RequestInput {
                        act_type: kind.into(),
                        subject: subject.into(),
                        act_number: number.into(),
                        act_date: act_date.clone(),
                        requester: requester.into(),
                        responsible: responsible.into(),
                        days: asked.into(),
                        immediately_executive: immediately,
                        protocol: String::new(),
                    },
                    Some((
                        if number.is_empty() {
                            format!("{}.pdf", kind.trim_start_matches("ente-"))
                        } else {
                            format!("{}-{number}.pdf", kind.trim_start_matches("ente-"))
                        },
                        upload,
                    )),
                    Vec::new(),
                )
                .await?
            {
                Ok(id) => id,
                Err(problems) => {
                    return Err(AppError::Internal(format!("demo albo act: {problems:?}")))
                }
            };
            clock.set(self.days_ago(days, 45));
            app.albo().publish(&officer, id, true, None).await?;
            if let Some(reason) = annulled {
                clock.set(self.days_ago(days - 1, 10));
                app.albo().annul(&officer, id, reason, true).await?;
            }
        }
        // A request still waiting: its text names a person and their health.
        clock.set(self.now());
        let text = "Concessione del contributo per l'abbattimento delle barriere architettoniche \
                    al sig. Piero Bianchini, codice fiscale RSSMRA80A01E625I, per la disabilità del \
                    figlio (L. 104/1992). Dati fittizi.";
        let subject = "Contributo per l'abbattimento delle barriere architettoniche";
        let pdf = render(
            subject,
            &[Line::Title(subject.into()), Line::Text(text.into())],
        );
        let upload = self.upload_of(&pdf).await?;
        let _waiting = app
            .albo()
            .request(
                &office,
                &RequestInput {
                    act_type: "determinazione".into(),
                    subject: subject.into(),
                    act_number: "1462".into(),
                    requester: "Ufficio Servizi sociali".into(),
                    responsible: "Dott.ssa Elena Fabbri".into(),
                    ..Default::default()
                },
                Some(("determinazione-1462.pdf".into(), upload)),
                Vec::new(),
            )
            .await?;
        // A third party's act arrives by PEC (yesterday evening, after the month's other
        // registrations): the clerk registers it and asks the albo to publish it from its
        // registration, whose document is the act. It waits for the publication officer.
        if let Some(clerk) = self.demo_staff_member("livorno.protocollo").await? {
            clock.set(self.days_ago(1, 540));
            let subject = "Avviso di vendita all'asta di un immobile (procedura esecutiva)";
            let pdf = render(
                subject,
                &[
                    Line::Title(subject.into()),
                    Line::Text(
                        "Il Tribunale di Livorno chiede la pubblicazione all'albo per 15 giorni. \
                         Documento dimostrativo: dati fittizi, nessun valore legale."
                            .into(),
                    ),
                ],
            );
            let upload = self.upload_of(&pdf).await?;
            let registration = app
                .registry()
                .register_document(
                    &clerk,
                    crate::registry::NewProtocolEntry {
                        direction: sportello_domain::protocol::Direction::Inbound,
                        correspondent:
                            "Tribunale di Livorno, prot.tribunale.livorno@pec.example.invalid"
                                .into(),
                        subject: subject.into(),
                        sender_reference: None,
                        channel: "pec".into(),
                        classification: "I.1".into(),
                        document: ("avviso-asta.pdf".into(), upload),
                        attachments: Vec::new(),
                    },
                )
                .await?;
            let asked = app
                .albo()
                .request(
                    &clerk,
                    &RequestInput {
                        act_type: "atto-terzi".into(),
                        subject: subject.into(),
                        requester: "Tribunale di Livorno".into(),
                        responsible: "Cancelleria delle esecuzioni immobiliari".into(),
                        protocol: registration.to_string(),
                        ..Default::default()
                    },
                    None,
                    Vec::new(),
                )
                .await?;
            if let Err(problems) = asked {
                return Err(AppError::Internal(format!(
                    "demo albo request: {problems:?}"
                )));
            }
        }
        Ok(())
    }
}
