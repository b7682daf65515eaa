//! The texts of the office's acts: the region's defaults below, each ente's adaptations in the
//! store (`act_texts`), checked by the domain's rules (`sportello_domain::procedure::acts`)
//! when an administrator saves them. Sending an act fills the ente's text, or the default.

use sportello_domain::procedure::acts::{
    ActKind, ActLine, ActTemplate, ActValues, FilledAct, Slot,
};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, ActTextRow};

use crate::capabilities::BackOffice;
use crate::pdf::Line;
use crate::sessions::StaffPrincipal;
use crate::{may_administer, App, AppError};

/// The region's text of each act, as the law and good practice write it.
pub fn default_act(kind: ActKind) -> ActTemplate {
    let (title, body, message) = match kind {
        ActKind::Avvio => (
            "Comunicazione di avvio del procedimento",
            "Ai sensi degli articoli 7 e 8 della legge 7 agosto 1990, n. 241, si comunica l'avvio del procedimento relativo alla domanda indicata.\n\
             - Amministrazione competente: {ente}\n\
             - Responsabile del procedimento: {responsabile}\n\
             - Termine di conclusione: {termine}\n\
             - Rimedi in caso di inerzia: potere sostitutivo (art. 2 c.9-bis L. 241/1990); ricorso al {tar} (art. 117 c.p.a.).\n\
             Gli atti del procedimento si possono consultare nell'area personale del portale dei servizi del Comune.",
            "Il procedimento è stato avviato. Responsabile: {responsabile}.",
        ),
        ActKind::RichiestaIntegrazione => (
            "Richiesta di integrazione documentale",
            "Ai sensi dell'articolo 2, comma 7, della legge 241/1990 si chiede di integrare la domanda con quanto segue. Il termine del procedimento resta sospeso fino alla risposta, e comunque per non più di 30 giorni.\n\
             \n\
             {testo}\n\
             \n\
             Si può rispondere dall'area personale, allegando i documenti.",
            "{testo}",
        ),
        ActKind::Preavviso => (
            "Comunicazione dei motivi ostativi all'accoglimento",
            "Ai sensi dell'articolo 10-bis della legge 241/1990 si comunicano i motivi che ostano all'accoglimento della domanda. Entro 10 giorni si possono presentare osservazioni, eventualmente corredate da documenti; il termine del procedimento resta sospeso fino alla loro presentazione o alla scadenza dei 10 giorni.\n\
             \n\
             {testo}",
            "{testo}",
        ),
        ActKind::Accoglimento => (
            "Provvedimento di accoglimento",
            "## Motivazione\n\
             {testo}\n\
             ## Dispositivo\n\
             La domanda è ACCOLTA. Contro il presente provvedimento è ammesso ricorso al {tar} entro 60 giorni o ricorso straordinario al Presidente della Repubblica entro 120 giorni.",
            "La domanda è stata accolta: il provvedimento è tra i documenti della pratica.",
        ),
        ActKind::Diniego => (
            "Provvedimento di diniego",
            "## Motivazione\n\
             {testo}\n\
             Si è tenuto conto delle osservazioni eventualmente presentate dopo la comunicazione dei motivi ostativi (art. 10-bis L. 241/1990).\n\
             ## Dispositivo\n\
             La domanda è RESPINTA. Contro il presente provvedimento è ammesso ricorso al {tar} entro 60 giorni o ricorso straordinario al Presidente della Repubblica entro 120 giorni.",
            "La domanda è stata respinta: il provvedimento, con la motivazione, è tra i documenti della pratica.",
        ),
        ActKind::RichiestaConformazione => (
            "Richiesta di conformazione dell'attività",
            "Ai sensi dell'articolo 19, comma 3, della legge 241/1990 si invita a conformare l'attività alla normativa vigente adottando, entro 30 giorni, le misure indicate. Il termine per i controlli resta sospeso fino alla risposta; in difetto, l'attività si intende vietata.\n\
             \n\
             {testo}",
            "{testo}",
        ),
        ActKind::DivietoScia => (
            "Divieto di prosecuzione dell'attività",
            "Ai sensi dell'articolo 19, comma 3, della legge 241/1990, accertata la carenza dei requisiti, si dispone il divieto di prosecuzione dell'attività e la rimozione dei suoi effetti.\n\
             ## Motivazione\n\
             {testo}\n\
             ## Rimedi\n\
             Contro il presente provvedimento è ammesso ricorso al {tar} entro 60 giorni o ricorso straordinario al Presidente della Repubblica entro 120 giorni.",
            "L'attività segnalata con la SCIA non può proseguire: il provvedimento è tra i documenti della pratica.",
        ),
        ActKind::SilenzioAssenso => (
            "Attestazione di formazione del silenzio-assenso",
            "Ai sensi dell'articolo 20 della legge 241/1990, decorso il termine senza che l'amministrazione abbia comunicato un provvedimento di diniego, la domanda si intende accolta.\n\
             La presente attestazione è rilasciata in via automatica ai sensi dell'articolo 20, comma 2-bis, della stessa legge.",
            "Il termine è scaduto senza una decisione: la domanda si intende accolta per silenzio-assenso. L'attestazione è tra i documenti della pratica.",
        ),
    };
    ActTemplate {
        title: title.into(),
        body: body.into(),
        message: message.into(),
    }
}

/// An act's text as an ente uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActText {
    pub kind: ActKind,
    pub template: ActTemplate,
    /// The ente's own words (otherwise the region's default).
    pub adapted: bool,
    /// Who adapted it last, and when (milliseconds), if the ente did.
    pub updated: Option<(String, i64)>,
}

impl From<ActLine> for Line {
    fn from(line: ActLine) -> Self {
        match line {
            ActLine::Heading(h) => Line::Heading(h),
            ActLine::Text(t) => Line::Text(t),
            ActLine::Field(l, v) => Line::Field(l, v),
            ActLine::Blank => Line::Blank,
        }
    }
}

impl App {
    /// The ente's text of an act: its adaptation, or the region's default.
    pub(crate) async fn act_template(
        &self,
        ente: EnteId,
        kind: ActKind,
    ) -> Result<ActTemplate, AppError> {
        Ok(match self.store.tenant(ente).act_text(kind).await? {
            Some(row) => template_of(&row),
            None => default_act(kind),
        })
    }

    /// The act filled with this case's values: the ente's name, the person acting, the region's
    /// administrative court, the term and the office's text.
    pub(crate) async fn fill_act(
        &self,
        ente: EnteId,
        ente_name: &str,
        kind: ActKind,
        responsible: &str,
        term: Option<time::Date>,
        text: &str,
    ) -> Result<FilledAct, AppError> {
        let template = self.act_template(ente, kind).await?;
        let values = ActValues {
            values: [
                (Slot::Ente, format!("Comune di {ente_name}")),
                (Slot::Responsabile, responsible.to_owned()),
                (
                    Slot::Termine,
                    term.map_or_else(
                        || "come previsto dalla legge".to_owned(),
                        |d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
                    ),
                ),
                (Slot::Tar, self.settings.region.administrative_court.clone()),
            ]
            .into_iter()
            .collect(),
            text: text.to_owned(),
        };
        Ok(template.fill(kind, &values))
    }

    /// Saves an ente's words for an act, tidied, once they pass the law's checks; a refused
    /// text changes nothing.
    pub(crate) async fn save_act_text(
        &self,
        ente: EnteId,
        kind: ActKind,
        template: ActTemplate,
        by: &str,
    ) -> Result<(), AppError> {
        let template = template.tidy();
        template.check(kind).map_err(AppError::ActText)?;
        let mut tx = self.store.begin_for(ente).await?;
        tx.set_act_text(&ActTextRow {
            kind,
            title: template.title,
            body: template.body,
            message: template.message,
            updated_by: by.to_owned(),
            updated_at: to_millis(self.now()),
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The document an act sends about a case, in the ente's words.
    pub(crate) async fn act_document(
        &self,
        ctx: &crate::back_office::CaseContext,
        kind: ActKind,
        responsible: &str,
        term: Option<time::Date>,
        text: &str,
    ) -> Result<crate::back_office::OutgoingDocument, AppError> {
        let filled = self
            .fill_act(
                ctx.ente.ente_id(),
                &ctx.ente.name,
                kind,
                responsible,
                term,
                text,
            )
            .await?;
        let mut body = Vec::new();
        if kind.document_kind() == "decisione" {
            body = self.what_was_asked(ctx).await?;
        }
        body.extend(filled.body.into_iter().map(Line::from));
        Ok(crate::back_office::OutgoingDocument {
            kind: kind.document_kind(),
            title: filled.title,
            body,
            message: filled.message,
        })
    }

    /// What the application asked, as the decision restates it: every answer of the form a
    /// person reads (not the declarant's identity, already the addressee, nor their contacts,
    /// the files or the boxes ticked for the declarations).
    async fn what_was_asked(
        &self,
        ctx: &crate::back_office::CaseContext,
    ) -> Result<Vec<Line>, AppError> {
        use sportello_domain::forms::{shown_text, FieldKind, Values};
        let Some(row) = self
            .store
            .tenant(ctx.ente.ente_id())
            .queue_row(&ctx.id)
            .await?
        else {
            return Ok(Vec::new());
        };
        let values: Values =
            serde_json::from_str(&row.data).map_err(|e| AppError::Internal(e.to_string()))?;
        let form = &ctx.service.definition.form;
        let mut lines = vec![Line::Heading("Oggetto della domanda".into())];
        for f in form.fields() {
            let Some(v) = values.get(&f.id).filter(|v| !v.is_empty()) else {
                continue;
            };
            // Contacts (phone, e-mail) are how to reach the applicant, not what was asked.
            if matches!(
                f.kind,
                FieldKind::File | FieldKind::Checkbox | FieldKind::Phone | FieldKind::Email
            ) || f.prefill.is_some()
                || !form.is_visible(f, &values)
            {
                continue;
            }
            lines.push(Line::Field(f.label.clone(), shown_text(f, v)));
        }
        Ok(if lines.len() > 1 { lines } else { Vec::new() })
    }
}

fn template_of(row: &ActTextRow) -> ActTemplate {
    ActTemplate {
        title: row.title.clone(),
        body: row.body.clone(),
        message: row.message.clone(),
    }
}

impl BackOffice<'_> {
    /// Every act's text as the ente uses it, for its administrators.
    pub async fn act_texts(
        &self,
        staff: &StaffPrincipal,
        ente: EnteId,
    ) -> Result<Vec<ActText>, AppError> {
        if !may_administer(staff, ente) {
            return Err(AppError::NotFound);
        }
        let adapted = self.app.store.tenant(ente).act_texts().await?;
        Ok(ActKind::ALL
            .iter()
            .map(|kind| match adapted.iter().find(|r| r.kind == *kind) {
                Some(row) => ActText {
                    kind: *kind,
                    template: template_of(row),
                    adapted: true,
                    updated: Some((row.updated_by.clone(), row.updated_at)),
                },
                None => ActText {
                    kind: *kind,
                    template: default_act(*kind),
                    adapted: false,
                    updated: None,
                },
            })
            .collect())
    }

    /// Saves the ente's words for an act, once they pass the law's checks. A refused text
    /// changes nothing.
    pub async fn adapt_act(
        &self,
        staff: &StaffPrincipal,
        ente: EnteId,
        kind: ActKind,
        template: ActTemplate,
    ) -> Result<(), AppError> {
        if !may_administer(staff, ente) {
            return Err(AppError::NotFound);
        }
        self.app
            .save_act_text(ente, kind, template, &staff.display_name)
            .await
    }

    /// Goes back to the region's text for an act.
    pub async fn restore_act(
        &self,
        staff: &StaffPrincipal,
        ente: EnteId,
        kind: ActKind,
    ) -> Result<(), AppError> {
        if !may_administer(staff, ente) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.app.store.begin_for(ente).await?;
        tx.remove_act_text(kind).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_the_laws_checks() {
        for kind in ActKind::ALL {
            assert_eq!(default_act(*kind).check(*kind), Ok(()), "{kind:?}");
            assert_eq!(default_act(*kind).tidy(), default_act(*kind), "{kind:?}");
        }
    }
}
