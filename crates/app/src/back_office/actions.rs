//! What the office does to a case. Each action asks the state machine first; a refusal changes
//! nothing. An action that produces a document registers it (outbound, with its segnatura) and
//! notifies the applicant in the same transaction that moves the case, so a case is never moved
//! without its document nor a document sent about a case that did not move.

use sportello_domain::catalogue::Regime;
use sportello_domain::identity::Role;
use sportello_domain::procedure::states::{transition, Action, Actor, CaseState};
use sportello_store::to_millis;

use super::documents::{CaseContext, OutgoingDocument};
use crate::capabilities::BackOffice;
use crate::pdf::Line;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, OfficeText, Refusal};
use sportello_domain::procedure::CaseEventKind;

/// An action of the office on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficeAction {
    /// Give the case to a member of the office (istruttore or responsabile).
    Assign {
        to: i64,
    },
    /// Take the case in hand and send the comunicazione di avvio (artt. 7–8 L. 241/1990).
    Start,
    /// Ask for documents (art. 2 c.7): suspends the term, once.
    RequestIntegration {
        text: String,
    },
    /// Communicate the reasons against acceptance (art. 10-bis): 10 days to reply.
    SendPreavviso {
        reasons: String,
    },
    Accept {
        motivation: String,
    },
    Reject {
        motivation: String,
    },
    /// Forbid the activity a SCIA started (art. 19 c.3), within the control window.
    ProhibitScia {
        motivation: String,
    },
    /// Ask the SCIA's author to conform the activity (art. 19 c.3), once: the control window
    /// stands still for the 30 days given.
    RequestConformity {
        text: String,
    },
    /// An internal note, never shown to the applicant.
    Note {
        text: String,
    },
    /// A message to the applicant.
    Message {
        text: String,
    },
}

/// The role the staff member acts in on a case, if any.
pub fn actor_of(staff: &StaffPrincipal) -> Option<Actor> {
    if staff.roles.contains(&Role::ResponsibleOfficer) {
        Some(Actor::ResponsibleOfficer)
    } else if staff.roles.contains(&Role::Operator) {
        Some(Actor::Operator)
    } else {
        None
    }
}

fn required(text: &str, what: OfficeText) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Refusal::TextMissing(what).into());
    }
    if t.chars().count() > 10_000 {
        return Err(Refusal::TextTooLong(what).into());
    }
    Ok(t.to_string())
}

/// The body of a decision: the motivation, an optional note, and the verdict with the remedies.
fn decision_body(court: &str, motivation: &str, note: Option<&str>, verdict: &str) -> Vec<Line> {
    let mut body = vec![Line::Heading("Motivazione".into())];
    body.extend(paragraphs(motivation));
    body.extend(note.map(|n| Line::Text(n.into())));
    body.push(Line::Heading("Dispositivo".into()));
    body.push(Line::Text(format!("La domanda è {verdict}. Contro il presente provvedimento è ammesso ricorso al {court} entro 60 giorni o ricorso straordinario al Presidente della Repubblica entro 120 giorni.")));
    body
}

fn paragraphs(text: &str) -> Vec<Line> {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                Line::Blank
            } else {
                Line::Text(l.to_string())
            }
        })
        .collect()
}

impl App {
    /// The state `action` leads to, or the law's reason why not.
    pub(crate) fn allowed(
        &self,
        ctx: &CaseContext,
        action: Action,
        actor: Actor,
    ) -> Result<CaseState, AppError> {
        let facts = self.case_facts(
            ctx.service.definition.regime,
            &ctx.head.registered_at,
            ctx.state,
            &ctx.events,
            &ctx.calendar,
        );
        transition(&facts, action, actor).map_err(|e| Refusal::Transition(e).into())
    }
    /// Moves the case (only if nobody moved it meanwhile), records the event and sends the
    /// document.
    async fn move_with_document(
        &self,
        tx: &mut sportello_store::TenantTx,
        ctx: &CaseContext,
        to: CaseState,
        kind: CaseEventKind,
        doc: &OutgoingDocument,
        staff: &StaffPrincipal,
    ) -> Result<(), AppError> {
        let now = to_millis(self.now());
        if !tx.move_case(&ctx.id, ctx.state.code(), to.code()).await? {
            return Err(Refusal::ChangedMeanwhile.into());
        }
        tx.record_case_event(&ctx.id, now, kind, to, &staff.display_name)
            .await?;
        self.send_document(tx, ctx, doc, &staff.display_name)
            .await?;
        Ok(())
    }
}

impl BackOffice<'_> {
    /// Takes `action` on case `id` as `staff`. Staff of another ente find no such case.
    pub async fn office_act(
        &self,
        staff: &StaffPrincipal,
        id: &str,
        action: OfficeAction,
    ) -> Result<(), AppError> {
        let ente = staff.ente.ok_or(AppError::NotFound)?;
        if !super::works_cases(staff) {
            return Err(AppError::NotFound);
        }
        let ctx = self.app.case_context(ente, id).await?;
        let actor = actor_of(staff).ok_or_else(|| AppError::from(Refusal::RoleReadsOnly))?;
        let now = to_millis(self.app.now());
        let mut tx = self.app.store.begin_for(ente).await?;
        match action {
            OfficeAction::Note { text } => {
                let text = required(&text, OfficeText::Note)?;
                tx.insert_note(id, now, &staff.display_name, &text).await?;
            }
            OfficeAction::Message { text } => {
                let text = required(&text, OfficeText::Message)?;
                if ctx.state.is_concluded() && ctx.state != CaseState::Accolta {
                    return Err(Refusal::CaseConcluded.into());
                }
                tx.insert_message(id, now, true, &staff.display_name, &text, None)
                    .await?;
                self.app
                    .notify_applicant(tx.tx(), &ctx, "nuovo messaggio sulla tua pratica", &text)
                    .await?;
            }
            OfficeAction::Assign { to } => {
                if ctx.state.is_concluded() {
                    return Err(Refusal::ConcludedNotAssigned.into());
                }
                let workers = self.app.store.tenant(ente).case_workers().await?;
                let Some((_, name)) = workers.iter().find(|(w, _)| *w == to) else {
                    return Err(Refusal::AssigneeUnknown.into());
                };
                tx.set_assignee(id, to).await?;
                tx.record_case_event(
                    id,
                    now,
                    CaseEventKind::Assigned,
                    ctx.state,
                    &format!("{} → {name}", staff.display_name),
                )
                .await?;
            }
            OfficeAction::Start => {
                let to = self.app.allowed(&ctx, Action::Start, actor)?;
                let due = self
                    .app
                    .term_status(
                        ctx.service.definition.regime,
                        &ctx.head.registered_at,
                        ctx.state,
                        &[],
                        &ctx.calendar,
                    )
                    .due;
                let doc = OutgoingDocument {
                    kind: "avvio",
                    title: "Comunicazione di avvio del procedimento".into(),
                    body: vec![
                        Line::Text("Ai sensi degli articoli 7 e 8 della legge 7 agosto 1990, n. 241, si comunica l'avvio del procedimento relativo alla domanda indicata.".into()),
                        Line::Field("Amministrazione competente".into(), format!("Comune di {}", ctx.ente.name)),
                        Line::Field("Responsabile del procedimento".into(), staff.display_name.clone()),
                        Line::Field("Termine di conclusione".into(), due.map(|d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())).unwrap_or_else(|| "come previsto dalla legge".into())),
                        Line::Field("Rimedi in caso di inerzia".into(), "potere sostitutivo (art. 2 c.9-bis L. 241/1990); ricorso al TAR (art. 117 c.p.a.).".into()),
                        Line::Text("Gli atti del procedimento si possono consultare nell'area personale del portale dei servizi del Comune.".into()),
                    ],
                    message: format!("Il procedimento è stato avviato. Responsabile: {}.", staff.display_name),
                };
                self.app
                    .move_with_document(&mut tx, &ctx, to, CaseEventKind::Started, &doc, staff)
                    .await?;
                if ctx.head.assignee.is_none() {
                    tx.set_assignee(id, staff.id).await?;
                }
            }
            OfficeAction::RequestIntegration { text } => {
                let text = required(&text, OfficeText::DocumentsNeeded)?;
                let to = self.app.allowed(&ctx, Action::RequestIntegration, actor)?;
                let mut body = vec![Line::Text("Ai sensi dell'articolo 2, comma 7, della legge 241/1990 si chiede di integrare la domanda con quanto segue. Il termine del procedimento resta sospeso fino alla risposta, e comunque per non più di 30 giorni.".into()), Line::Blank];
                body.extend(paragraphs(&text));
                body.push(Line::Blank);
                body.push(Line::Text(
                    "Si può rispondere dall'area personale, allegando i documenti.".into(),
                ));
                let doc = OutgoingDocument {
                    kind: "richiesta_integrazione",
                    title: "Richiesta di integrazione documentale".into(),
                    body,
                    message: text,
                };
                self.app
                    .move_with_document(
                        &mut tx,
                        &ctx,
                        to,
                        CaseEventKind::IntegrationRequested,
                        &doc,
                        staff,
                    )
                    .await?;
            }
            OfficeAction::SendPreavviso { reasons } => {
                let reasons = required(&reasons, OfficeText::ReasonsAgainst)?;
                let to = self.app.allowed(&ctx, Action::SendPreavviso, actor)?;
                let mut body = vec![Line::Text("Ai sensi dell'articolo 10-bis della legge 241/1990 si comunicano i motivi che ostano all'accoglimento della domanda. Entro 10 giorni si possono presentare osservazioni, eventualmente corredate da documenti; il termine del procedimento resta sospeso fino alla loro presentazione o alla scadenza dei 10 giorni.".into()), Line::Blank];
                body.extend(paragraphs(&reasons));
                let doc = OutgoingDocument {
                    kind: "preavviso",
                    title: "Comunicazione dei motivi ostativi all'accoglimento".into(),
                    body,
                    message: reasons,
                };
                self.app
                    .move_with_document(&mut tx, &ctx, to, CaseEventKind::Preavviso, &doc, staff)
                    .await?;
            }
            OfficeAction::Accept { motivation } => {
                let motivation = required(&motivation, OfficeText::Motivation)?;
                let to = self.app.allowed(&ctx, Action::Accept, actor)?;
                let body = decision_body(
                    &self.app.settings.region.administrative_court,
                    &motivation,
                    None,
                    "ACCOLTA",
                );
                let doc = OutgoingDocument { kind: "decisione", title: "Provvedimento di accoglimento".into(), body, message: "La domanda è stata accolta: il provvedimento è tra i documenti della pratica.".into() };
                self.app
                    .move_with_document(&mut tx, &ctx, to, CaseEventKind::Accepted, &doc, staff)
                    .await?;
            }
            OfficeAction::Reject { motivation } => {
                let motivation = required(&motivation, OfficeText::Motivation)?;
                let to = self.app.allowed(&ctx, Action::Reject, actor)?;
                let body = decision_body(
                    &self.app.settings.region.administrative_court,
                    &motivation,
                    Some("Si è tenuto conto delle osservazioni eventualmente presentate dopo la comunicazione dei motivi ostativi (art. 10-bis L. 241/1990)."),
                    "RESPINTA",
                );
                let doc = OutgoingDocument { kind: "decisione", title: "Provvedimento di diniego".into(), body, message: "La domanda è stata respinta: il provvedimento, con la motivazione, è tra i documenti della pratica.".into() };
                self.app
                    .move_with_document(&mut tx, &ctx, to, CaseEventKind::Rejected, &doc, staff)
                    .await?;
            }
            OfficeAction::RequestConformity { text } => {
                let text = required(&text, OfficeText::MeasuresRequired)?;
                let to = self.app.allowed(&ctx, Action::RequestConformity, actor)?;
                let mut body = vec![Line::Text("Ai sensi dell'articolo 19, comma 3, della legge 241/1990 si invita a conformare l'attività alla normativa vigente adottando, entro 30 giorni, le misure indicate. Il termine per i controlli resta sospeso fino alla risposta; in difetto, l'attività si intende vietata.".into()), Line::Blank];
                body.extend(paragraphs(&text));
                let doc = OutgoingDocument {
                    kind: "richiesta_conformazione",
                    title: "Richiesta di conformazione dell'attività".into(),
                    body,
                    message: text,
                };
                self.app
                    .move_with_document(
                        &mut tx,
                        &ctx,
                        to,
                        CaseEventKind::ConformityRequested,
                        &doc,
                        staff,
                    )
                    .await?;
            }
            OfficeAction::ProhibitScia { motivation } => {
                let motivation = required(&motivation, OfficeText::Motivation)?;
                let to = self.app.allowed(&ctx, Action::ProhibitScia, actor)?;
                let mut body = vec![Line::Text("Ai sensi dell'articolo 19, comma 3, della legge 241/1990, accertata la carenza dei requisiti, si dispone il divieto di prosecuzione dell'attività e la rimozione dei suoi effetti.".into()), Line::Heading("Motivazione".into())];
                body.extend(paragraphs(&motivation));
                let doc = OutgoingDocument { kind: "decisione", title: "Divieto di prosecuzione dell'attività".into(), body, message: "L'attività segnalata con la SCIA non può proseguire: il provvedimento è tra i documenti della pratica.".into() };
                self.app
                    .move_with_document(
                        &mut tx,
                        &ctx,
                        to,
                        CaseEventKind::SciaProhibited,
                        &doc,
                        staff,
                    )
                    .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(staff_id = staff.id, "office action on a case");
        Ok(())
    }
    /// The actions the staff member may take on the case now, for the case page.
    pub async fn possible_actions(
        &self,
        staff: &StaffPrincipal,
        id: &str,
    ) -> Result<Vec<Action>, AppError> {
        let ente = staff.ente.ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        let Some(actor) = actor_of(staff) else {
            return Ok(vec![]);
        };
        let scia = matches!(ctx.service.definition.regime, Regime::Scia { .. });
        let candidates = [
            Action::Start,
            Action::RequestIntegration,
            Action::SendPreavviso,
            Action::Accept,
            Action::Reject,
            Action::RequestConformity,
            Action::ProhibitScia,
        ];
        Ok(candidates
            .into_iter()
            .filter(|a| !matches!(a, Action::ProhibitScia | Action::RequestConformity) || scia)
            .filter(|a| self.app.allowed(&ctx, *a, actor).is_ok())
            .collect())
    }
}
