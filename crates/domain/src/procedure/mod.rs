//! The administrative procedure (Law 241/1990): the legal-deadline engine and the case state
//! machine. Pure: "today" and every date are arguments.

pub mod acts;
pub mod deadlines;
pub mod states;

use deadlines::SuspensionKind;

crate::stored_enum! {
    /// Where an application stands as a document, apart from its case: a draft the applicant
    /// is filling in, filed (registered in the protocol), or withdrawn by the applicant.
    pub enum ApplicationStatus {
        Draft = "draft",
        Submitted = "submitted",
        Withdrawn = "withdrawn",
    }
}

crate::stored_enum! {
    /// What happened to a case: each event of its history has one kind. The codes are stored
    /// (a constraint on `case_events.kind` lists them) and name the page's labels (`event.…`).
    pub enum CaseEventKind {
        Filed = "protocollata",
        Withdrawn = "ritirata",
        Assigned = "assegnata",
        Started = "avvio",
        IntegrationRequested = "richiesta_integrazione",
        IntegrationReceived = "integrazione",
        IntegrationLapsed = "integrazione_non_pervenuta",
        Preavviso = "preavviso",
        Observations = "osservazioni",
        PreavvisoLapsed = "preavviso_scaduto",
        Accepted = "accolta",
        Rejected = "respinta",
        SilentConsent = "silenzio_assenso",
        SciaProhibited = "scia_inibita",
        SciaConsolidated = "scia_consolidata",
        ConformityRequested = "richiesta_conformazione",
        ConformityReceived = "conformazione",
        ConformityLapsed = "conformazione_non_pervenuta",
    }
}

impl CaseEventKind {
    /// The suspension of the term this event opens, if it opens one.
    pub fn suspends(self) -> Option<SuspensionKind> {
        match self {
            CaseEventKind::IntegrationRequested => Some(SuspensionKind::Integration),
            CaseEventKind::Preavviso => Some(SuspensionKind::Preavviso),
            CaseEventKind::ConformityRequested => Some(SuspensionKind::Conformity),
            _ => None,
        }
    }

    /// Whether this event closes the open suspension (the answer came, or its time ran out).
    pub fn resumes(self) -> bool {
        matches!(
            self,
            CaseEventKind::IntegrationReceived
                | CaseEventKind::IntegrationLapsed
                | CaseEventKind::Observations
                | CaseEventKind::PreavvisoLapsed
                | CaseEventKind::ConformityReceived
                | CaseEventKind::ConformityLapsed
        )
    }

    /// Whether only the office sees this event (the applicant's history leaves it out).
    pub fn is_internal(self) -> bool {
        self == CaseEventKind::Assigned
    }
}

#[cfg(test)]
mod event_tests {
    use super::*;

    #[test]
    fn suspensions_open_and_close_by_kind() {
        let opening: Vec<_> = CaseEventKind::ALL
            .iter()
            .filter(|k| k.suspends().is_some())
            .collect();
        assert_eq!(opening.len(), 3);
        assert!(CaseEventKind::ALL
            .iter()
            .all(|k| !(k.suspends().is_some() && k.resumes())));
        assert_eq!(
            CaseEventKind::parse("preavviso_scaduto"),
            Ok(CaseEventKind::PreavvisoLapsed)
        );
        assert!(CaseEventKind::parse("Preavviso").is_err());
    }
}
