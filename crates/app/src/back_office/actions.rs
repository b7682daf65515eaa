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
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, OfficeText, Refusal};
use sportello_domain::procedure::acts::ActKind;
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

/// A decision's document before it is sent.
#[derive(Debug, Clone)]
pub struct ActPreview {
    pub title: String,
    /// Name and codice fiscale of whom it goes to.
    pub recipient: String,
    pub lines: Vec<crate::pdf::Line>,
    /// The message that goes with it (personal area, e-mail).
    pub message: String,
    pub signer: String,
    /// The case it decides: the service and the application's registration.
    pub case: String,
}

/// For an action that sends an act carrying the office's own text: what the text is, the
/// state machine's action, the act, and the event it records.
fn act_with_text(action: &OfficeAction) -> Option<(OfficeText, Action, ActKind, CaseEventKind)> {
    Some(match action {
        OfficeAction::RequestIntegration { .. } => (
            OfficeText::DocumentsNeeded,
            Action::RequestIntegration,
            ActKind::RichiestaIntegrazione,
            CaseEventKind::IntegrationRequested,
        ),
        OfficeAction::SendPreavviso { .. } => (
            OfficeText::ReasonsAgainst,
            Action::SendPreavviso,
            ActKind::Preavviso,
            CaseEventKind::Preavviso,
        ),
        OfficeAction::Accept { .. } => (
            OfficeText::Motivation,
            Action::Accept,
            ActKind::Accoglimento,
            CaseEventKind::Accepted,
        ),
        OfficeAction::Reject { .. } => (
            OfficeText::Motivation,
            Action::Reject,
            ActKind::Diniego,
            CaseEventKind::Rejected,
        ),
        OfficeAction::RequestConformity { .. } => (
            OfficeText::MeasuresRequired,
            Action::RequestConformity,
            ActKind::RichiestaConformazione,
            CaseEventKind::ConformityRequested,
        ),
        OfficeAction::ProhibitScia { .. } => (
            OfficeText::Motivation,
            Action::ProhibitScia,
            ActKind::DivietoScia,
            CaseEventKind::SciaProhibited,
        ),
        _ => return None,
    })
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
        self.keep_term(tx, ctx, to).await?;
        self.count_decision(tx, ctx, kind).await?;
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
        let sends_act = act_with_text(&action);
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
                // The state is not written: a decision taken meanwhile stays.
                tx.record_event_in_place(
                    id,
                    now,
                    CaseEventKind::Assigned,
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
                let responsible = self.app.responsible_for(&ctx, &staff.display_name).await?;
                let doc = self
                    .app
                    .act_document(&ctx, ActKind::Avvio, &responsible, due, "")
                    .await?;
                self.app
                    .move_with_document(&mut tx, &ctx, to, CaseEventKind::Started, &doc, staff)
                    .await?;
                if ctx.head.assignee.is_none() {
                    tx.set_assignee(id, staff.id).await?;
                }
            }
            OfficeAction::RequestIntegration { text }
            | OfficeAction::SendPreavviso { reasons: text }
            | OfficeAction::Accept { motivation: text }
            | OfficeAction::Reject { motivation: text }
            | OfficeAction::RequestConformity { text }
            | OfficeAction::ProhibitScia { motivation: text } => {
                // An act with the office's own text: the text, the law's permission, the act
                // in the ente's words, the move with its event, in this order.
                let Some((what, act, kind, event)) = sends_act else {
                    return Err(AppError::Internal("an act without its kind".into()));
                };
                let text = required(&text, what)?;
                let to = self.app.allowed(&ctx, act, actor)?;
                let doc = self
                    .app
                    .act_document(&ctx, kind, &staff.display_name, None, &text)
                    .await?;
                self.app
                    .move_with_document(&mut tx, &ctx, to, event, &doc, staff)
                    .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(staff_id = staff.id, "office action on a case");
        Ok(())
    }
    /// The document a decision would send, as it would be sent — nothing is written. The office
    /// reads it before confirming (the same checks as `office_act`: the text, the law, the role).
    pub async fn preview_act(
        &self,
        staff: &StaffPrincipal,
        id: &str,
        action: &OfficeAction,
    ) -> Result<ActPreview, AppError> {
        let ente = staff.ente.ok_or(AppError::NotFound)?;
        if !super::works_cases(staff) {
            return Err(AppError::NotFound);
        }
        let ctx = self.app.case_context(ente, id).await?;
        let actor = actor_of(staff).ok_or_else(|| AppError::from(Refusal::RoleReadsOnly))?;
        let (what, act, kind, _) =
            act_with_text(action).ok_or_else(|| AppError::Internal("no act to preview".into()))?;
        let text = match action {
            OfficeAction::RequestIntegration { text }
            | OfficeAction::SendPreavviso { reasons: text }
            | OfficeAction::Accept { motivation: text }
            | OfficeAction::Reject { motivation: text }
            | OfficeAction::RequestConformity { text }
            | OfficeAction::ProhibitScia { motivation: text } => required(text, what)?,
            _ => return Err(AppError::Internal("no act to preview".into())),
        };
        self.app.allowed(&ctx, act, actor)?;
        let doc = self
            .app
            .act_document(&ctx, kind, &staff.display_name, None, &text)
            .await?;
        let (given, family) = ctx.applicant_name();
        // The document whole, as it will be sent but for the protocol number.
        let mut lines = self.app.letter(&ctx, &doc, &staff.display_name).await?;
        lines.insert(
            3,
            crate::pdf::Line::Field(
                "Protocollo".into(),
                "assegnato quando il provvedimento è confermato".into(),
            ),
        );
        Ok(ActPreview {
            title: doc.title,
            recipient: format!("{given} {family} ({})", ctx.head.applicant),
            lines,
            message: doc.message,
            signer: staff.display_name.clone(),
            case: format!("{} — {}", ctx.service.definition.title, ctx.filed_as()),
        })
    }
    /// The actions the staff member may take on the case now, for the case page.
    pub async fn possible_actions(
        &self,
        staff: &StaffPrincipal,
        id: &str,
    ) -> Result<Vec<Action>, AppError> {
        let ente = staff.ente.ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        Ok(self.app.actions_for(staff, &ctx))
    }
}

impl App {
    /// The actions `staff` may take now on the case `ctx` describes.
    pub(crate) fn actions_for(&self, staff: &StaffPrincipal, ctx: &CaseContext) -> Vec<Action> {
        let Some(actor) = actor_of(staff) else {
            return vec![];
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
        candidates
            .into_iter()
            .filter(|a| !matches!(a, Action::ProhibitScia | Action::RequestConformity) || scia)
            .filter(|a| self.allowed(ctx, *a, actor).is_ok())
            .collect()
    }
}
