//! The states of a case and the actions that move it, with who may take each: a pure state
//! machine. What the law forbids — a second integration request, a rejection without the
//! preavviso (art. 10-bis), silent consent before the term or for a procedure without it, SCIA
//! states for a procedure that is not a SCIA — no sequence of actions can reach.

use crate::catalogue::Regime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CaseState {
    Bozza,
    Protocollata,
    InIstruttoria,
    SospesaPerIntegrazione,
    PreavvisoDiRigetto,
    Accolta,
    Respinta,
    ConclusaPerSilenzioAssenso,
    SciaEfficace,
    SciaInibita,
    Ritirata,
    Archiviata,
}

impl CaseState {
    /// The name shown to people (Italian, as the law names it).
    pub fn label(self) -> &'static str {
        match self {
            CaseState::Bozza => "bozza",
            CaseState::Protocollata => "protocollata",
            CaseState::InIstruttoria => "in istruttoria",
            CaseState::SospesaPerIntegrazione => "sospesa per integrazione",
            CaseState::PreavvisoDiRigetto => "preavviso di rigetto",
            CaseState::Accolta => "accolta",
            CaseState::Respinta => "respinta",
            CaseState::ConclusaPerSilenzioAssenso => "conclusa per silenzio-assenso",
            CaseState::SciaEfficace => "SCIA efficace",
            CaseState::SciaInibita => "SCIA inibita",
            CaseState::Ritirata => "ritirata",
            CaseState::Archiviata => "archiviata",
        }
    }

    /// A stable identifier for storage.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Bozza => "bozza",
            CaseState::Protocollata => "protocollata",
            CaseState::InIstruttoria => "in_istruttoria",
            CaseState::SospesaPerIntegrazione => "sospesa_per_integrazione",
            CaseState::PreavvisoDiRigetto => "preavviso_di_rigetto",
            CaseState::Accolta => "accolta",
            CaseState::Respinta => "respinta",
            CaseState::ConclusaPerSilenzioAssenso => "conclusa_per_silenzio_assenso",
            CaseState::SciaEfficace => "scia_efficace",
            CaseState::SciaInibita => "scia_inibita",
            CaseState::Ritirata => "ritirata",
            CaseState::Archiviata => "archiviata",
        }
    }

    pub const ALL: [CaseState; 12] = [
        CaseState::Bozza,
        CaseState::Protocollata,
        CaseState::InIstruttoria,
        CaseState::SospesaPerIntegrazione,
        CaseState::PreavvisoDiRigetto,
        CaseState::Accolta,
        CaseState::Respinta,
        CaseState::ConclusaPerSilenzioAssenso,
        CaseState::SciaEfficace,
        CaseState::SciaInibita,
        CaseState::Ritirata,
        CaseState::Archiviata,
    ];

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The state a stored code names; an unknown code is an error, never a default.
    pub fn parse(code: &str) -> Result<Self, crate::stored::UnknownCode> {
        Self::from_code(code).ok_or_else(|| crate::stored::UnknownCode {
            kind: "CaseState",
            code: code.to_owned(),
        })
    }

    /// Whether the applicant may withdraw the case in this state: the one rule, which the
    /// state machine's `Withdraw` follows, the app asks before it writes and the web before it
    /// offers the button.
    pub fn may_withdraw(self) -> bool {
        matches!(
            self,
            CaseState::Bozza
                | CaseState::Protocollata
                | CaseState::InIstruttoria
                | CaseState::SospesaPerIntegrazione
                | CaseState::PreavvisoDiRigetto
                | CaseState::SciaEfficace
        )
    }

    /// Concluded: the procedure has its outcome.
    pub fn is_concluded(self) -> bool {
        matches!(
            self,
            CaseState::Accolta
                | CaseState::Respinta
                | CaseState::ConclusaPerSilenzioAssenso
                | CaseState::SciaInibita
                | CaseState::Ritirata
                | CaseState::Archiviata
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Applicant,
    /// Istruttore.
    Operator,
    /// Responsabile del procedimento.
    ResponsibleOfficer,
    /// A scheduled job (silent consent, expiry of the preavviso).
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    /// Take the case in hand (comunicazione di avvio).
    Start,
    RequestIntegration,
    AnswerIntegration,
    SendPreavviso,
    /// The applicant's reply to the preavviso, or its 10 days passing.
    ClosePreavviso,
    Accept,
    Reject,
    /// The term passed without a decision (silent-consent procedures).
    SilentConsent,
    /// Forbid a SCIA's activity within its control window.
    ProhibitScia,
    /// Ask the SCIA's author to conform the activity (art. 19 c.3), once, within the window:
    /// the window stands still meanwhile.
    RequestConformity,
    /// The author's answer to it, or its time passing.
    AnswerConformity,
    /// The SCIA's control window passed: the case is filed as it stands.
    CloseSciaWindow,
    Withdraw,
    Archive,
}

/// What a transition needs to know about the case besides its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: CaseState,
    pub regime: Regime,
    pub integration_used: bool,
    pub preavviso_sent: bool,
    /// The term (or the SCIA's window) has passed, as computed by the deadline engine.
    pub term_passed: bool,
    /// A SCIA's conformity request was made (allowed once) / is still awaiting an answer.
    pub conformity_requested: bool,
    pub conformity_open: bool,
}

impl CaseFacts {
    /// A case in `state` under `regime`, with nothing yet done: no integration, preavviso or
    /// conformity request, its term not passed.
    pub fn new(state: CaseState, regime: Regime) -> Self {
        Self {
            state,
            regime,
            integration_used: false,
            preavviso_sent: false,
            term_passed: false,
            conformity_requested: false,
            conformity_open: false,
        }
    }
}

/// The state a case of `regime` opens in when its application is filed.
pub fn opened_on_filing(regime: Regime) -> Result<CaseState, TransitionError> {
    transition(
        &CaseFacts::new(CaseState::Bozza, regime),
        Action::Submit,
        Actor::Applicant,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("azione non consentita nello stato «{0}»")]
    NotInThisState(&'static str),
    #[error("azione non consentita a questo ruolo")]
    NotThisActor,
    #[error("la legge consente una sola richiesta di integrazione (art. 2 c.7 L. 241/1990)")]
    SecondIntegration,
    #[error("prima di respingere va inviato il preavviso di rigetto (art. 10-bis L. 241/1990)")]
    NoPreavviso,
    #[error(
        "il silenzio-assenso vale solo per i procedimenti che lo prevedono, scaduto il termine"
    )]
    NoSilentConsent,
    #[error("azione propria della SCIA")]
    NotScia,
    #[error("il termine per i controlli sulla SCIA è scaduto")]
    SciaWindowClosed,
    #[error("la conformazione dell'attività si chiede una sola volta")]
    SecondConformity,
    #[error("nessuna richiesta di conformazione è in attesa di risposta")]
    NoConformityAwaited,
}

/// The state after `action` by `actor`, or why it is not allowed.
pub fn transition(
    f: &CaseFacts,
    action: Action,
    actor: Actor,
) -> Result<CaseState, TransitionError> {
    use Action as A;
    use CaseState as S;
    let scia = matches!(f.regime, Regime::Scia { .. });
    let who = |allowed: &[Actor]| {
        if allowed.contains(&actor) {
            Ok(())
        } else {
            Err(TransitionError::NotThisActor)
        }
    };
    let wrong_state = || TransitionError::NotInThisState(f.state.label());
    match (action, f.state) {
        (A::Submit, S::Bozza) => {
            who(&[Actor::Applicant])?;
            Ok(match f.regime {
                Regime::Scia { .. } => S::SciaEfficace,
                Regime::Immediate => S::Archiviata,
                _ => S::Protocollata,
            })
        }
        (A::Start, S::Protocollata) => {
            who(&[Actor::Operator, Actor::ResponsibleOfficer])?;
            Ok(S::InIstruttoria)
        }
        (A::RequestIntegration, S::InIstruttoria) => {
            who(&[Actor::Operator, Actor::ResponsibleOfficer])?;
            if f.integration_used {
                return Err(TransitionError::SecondIntegration);
            }
            Ok(S::SospesaPerIntegrazione)
        }
        (A::AnswerIntegration, S::SospesaPerIntegrazione) => {
            who(&[Actor::Applicant, Actor::System])?;
            Ok(S::InIstruttoria)
        }
        (A::SendPreavviso, S::InIstruttoria) => {
            who(&[Actor::ResponsibleOfficer])?;
            Ok(S::PreavvisoDiRigetto)
        }
        (A::ClosePreavviso, S::PreavvisoDiRigetto) => {
            who(&[Actor::Applicant, Actor::System])?;
            Ok(S::InIstruttoria)
        }
        (A::Accept, S::InIstruttoria) => {
            who(&[Actor::ResponsibleOfficer])?;
            Ok(S::Accolta)
        }
        (A::Reject, S::InIstruttoria) => {
            who(&[Actor::ResponsibleOfficer])?;
            if !f.preavviso_sent {
                return Err(TransitionError::NoPreavviso);
            }
            Ok(S::Respinta)
        }
        (A::SilentConsent, S::Protocollata | S::InIstruttoria) => {
            who(&[Actor::System])?;
            if !matches!(f.regime, Regime::SilentConsent { .. }) || !f.term_passed {
                return Err(TransitionError::NoSilentConsent);
            }
            Ok(S::ConclusaPerSilenzioAssenso)
        }
        (A::ProhibitScia, S::SciaEfficace) => {
            who(&[Actor::ResponsibleOfficer])?;
            if f.term_passed {
                return Err(TransitionError::SciaWindowClosed);
            }
            Ok(S::SciaInibita)
        }
        (A::RequestConformity, S::SciaEfficace) => {
            who(&[Actor::Operator, Actor::ResponsibleOfficer])?;
            if f.term_passed {
                return Err(TransitionError::SciaWindowClosed);
            }
            if f.conformity_requested {
                return Err(TransitionError::SecondConformity);
            }
            Ok(S::SciaEfficace)
        }
        (A::AnswerConformity, S::SciaEfficace) => {
            who(&[Actor::Applicant, Actor::System])?;
            if !f.conformity_open {
                return Err(TransitionError::NoConformityAwaited);
            }
            Ok(S::SciaEfficace)
        }
        (A::CloseSciaWindow, S::SciaEfficace) => {
            who(&[Actor::System])?;
            if !f.term_passed {
                return Err(wrong_state());
            }
            Ok(S::Archiviata)
        }
        (A::ProhibitScia | A::CloseSciaWindow | A::RequestConformity | A::AnswerConformity, _)
            if !scia =>
        {
            Err(TransitionError::NotScia)
        }
        (A::Withdraw, s) if s.may_withdraw() => {
            who(&[Actor::Applicant])?;
            Ok(S::Ritirata)
        }
        (A::Archive, s) if s.is_concluded() && s != S::Archiviata => {
            who(&[Actor::Operator, Actor::ResponsibleOfficer])?;
            Ok(S::Archiviata)
        }
        _ => Err(wrong_state()),
    }
}

impl TryFrom<String> for CaseState {
    type Error = crate::stored::UnknownCode;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(state: CaseState, regime: Regime) -> CaseFacts {
        CaseFacts::new(state, regime)
    }

    const ORDINARY: Regime = Regime::Ordinary { term_days: 30 };

    #[test]
    fn the_ordinary_path_and_its_rules() {
        let mut f = facts(CaseState::Bozza, ORDINARY);
        f.state = transition(&f, Action::Submit, Actor::Applicant).unwrap();
        assert_eq!(f.state, CaseState::Protocollata);
        assert_eq!(
            transition(&f, Action::Start, Actor::Applicant),
            Err(TransitionError::NotThisActor)
        );
        f.state = transition(&f, Action::Start, Actor::Operator).unwrap();
        f.state = transition(&f, Action::RequestIntegration, Actor::Operator).unwrap();
        f.integration_used = true;
        f.state = transition(&f, Action::AnswerIntegration, Actor::Applicant).unwrap();
        assert_eq!(
            transition(&f, Action::RequestIntegration, Actor::Operator),
            Err(TransitionError::SecondIntegration)
        );
        assert_eq!(
            transition(&f, Action::Reject, Actor::ResponsibleOfficer),
            Err(TransitionError::NoPreavviso)
        );
        assert_eq!(
            transition(&f, Action::Accept, Actor::Operator),
            Err(TransitionError::NotThisActor)
        );
        f.state = transition(&f, Action::SendPreavviso, Actor::ResponsibleOfficer).unwrap();
        f.preavviso_sent = true;
        f.state = transition(&f, Action::ClosePreavviso, Actor::System).unwrap();
        assert_eq!(
            transition(&f, Action::Reject, Actor::ResponsibleOfficer),
            Ok(CaseState::Respinta)
        );
        assert_eq!(
            transition(&f, Action::SilentConsent, Actor::System),
            Err(TransitionError::NoSilentConsent)
        );
    }

    #[test]
    fn scia_and_silent_consent_and_immediate() {
        let scia = Regime::Scia { control_days: 60 };
        let mut f = facts(CaseState::Bozza, scia);
        f.state = transition(&f, Action::Submit, Actor::Applicant).unwrap();
        assert_eq!(f.state, CaseState::SciaEfficace, "effective on filing");
        assert_eq!(
            transition(&f, Action::ProhibitScia, Actor::ResponsibleOfficer),
            Ok(CaseState::SciaInibita)
        );
        f.term_passed = true;
        assert_eq!(
            transition(&f, Action::ProhibitScia, Actor::ResponsibleOfficer),
            Err(TransitionError::SciaWindowClosed)
        );
        // Conformity: once, within the window, answered by the author.
        let mut f = facts(CaseState::SciaEfficace, scia);
        assert_eq!(
            transition(&f, Action::AnswerConformity, Actor::Applicant),
            Err(TransitionError::NoConformityAwaited)
        );
        assert_eq!(
            transition(&f, Action::RequestConformity, Actor::Operator),
            Ok(CaseState::SciaEfficace)
        );
        f.conformity_requested = true;
        f.conformity_open = true;
        assert_eq!(
            transition(&f, Action::AnswerConformity, Actor::Applicant),
            Ok(CaseState::SciaEfficace)
        );
        assert_eq!(
            transition(&f, Action::RequestConformity, Actor::Operator),
            Err(TransitionError::SecondConformity)
        );
        let mut f = facts(
            CaseState::InIstruttoria,
            Regime::SilentConsent { term_days: 45 },
        );
        assert_eq!(
            transition(&f, Action::SilentConsent, Actor::System),
            Err(TransitionError::NoSilentConsent),
            "not before the term"
        );
        f.term_passed = true;
        assert_eq!(
            transition(&f, Action::SilentConsent, Actor::System),
            Ok(CaseState::ConclusaPerSilenzioAssenso)
        );
        let f = facts(CaseState::Bozza, Regime::Immediate);
        assert_eq!(
            transition(&f, Action::Submit, Actor::Applicant),
            Ok(CaseState::Archiviata)
        );
        let f = facts(CaseState::InIstruttoria, ORDINARY);
        assert_eq!(
            transition(&f, Action::ProhibitScia, Actor::ResponsibleOfficer),
            Err(TransitionError::NotScia)
        );
    }

    fn any_action() -> impl Strategy<Value = (Action, Actor, bool)> {
        let actions = prop::sample::select(vec![
            Action::Submit,
            Action::Start,
            Action::RequestIntegration,
            Action::AnswerIntegration,
            Action::SendPreavviso,
            Action::ClosePreavviso,
            Action::Accept,
            Action::Reject,
            Action::SilentConsent,
            Action::ProhibitScia,
            Action::RequestConformity,
            Action::AnswerConformity,
            Action::CloseSciaWindow,
            Action::Withdraw,
            Action::Archive,
        ]);
        let actors = prop::sample::select(vec![
            Actor::Applicant,
            Actor::Operator,
            Actor::ResponsibleOfficer,
            Actor::System,
        ]);
        (actions, actors, any::<bool>())
    }

    fn any_regime() -> impl Strategy<Value = Regime> {
        prop::sample::select(vec![
            ORDINARY,
            Regime::SilentConsent { term_days: 45 },
            Regime::Scia { control_days: 60 },
            Regime::Immediate,
        ])
    }

    proptest! {
        /// Whatever anyone does, in any order, the case never reaches a state the law forbids.
        #[test]
        fn no_sequence_reaches_an_unlawful_state(regime in any_regime(), steps in prop::collection::vec(any_action(), 0..40)) {
            let mut f = facts(CaseState::Bozza, regime);
            let mut integrations = 0;
            let mut conformities = 0;
            for (action, actor, term_passed) in steps {
                f.term_passed = term_passed;
                let before = f.state;
                if let Ok(next) = transition(&f, action, actor) {
                    if action == Action::RequestIntegration { integrations += 1; f.integration_used = true; }
                    if action == Action::SendPreavviso { f.preavviso_sent = true; }
                    if action == Action::RequestConformity { conformities += 1; f.conformity_requested = true; f.conformity_open = true; }
                    if action == Action::AnswerConformity { f.conformity_open = false; }
                    if next == CaseState::Respinta { prop_assert!(f.preavviso_sent, "rejected without preavviso"); }
                    if next == CaseState::ConclusaPerSilenzioAssenso {
                        let lawful = matches!(regime, Regime::SilentConsent { .. }) && term_passed;
                        prop_assert!(lawful, "silent consent outside its conditions");
                    }
                    if matches!(next, CaseState::SciaEfficace | CaseState::SciaInibita) {
                        let is_scia = matches!(regime, Regime::Scia { .. });
                        prop_assert!(is_scia, "SCIA state for another regime");
                    }
                    prop_assert!(!before.is_concluded() || next == CaseState::Archiviata, "a concluded case moved on: {:?} → {:?}", before, next);
                    prop_assert!(next != CaseState::Bozza);
                    f.state = next;
                }
                prop_assert!(integrations <= 1, "two integration requests");
                prop_assert!(conformities <= 1, "two conformity requests");
            }
        }
    }
}
