//! The words for the app's refusals ([`sportello_app::Refusal`]) and the domain's transition
//! errors, in the person's language: the app says which rule, this module says it.

use sportello_app::{OfficeText, Refusal};
use sportello_domain::procedure::states::TransitionError;

use crate::i18n::{t, Lang};
use crate::pages::services::fill;

/// The sentence for a refusal.
pub fn refusal_message(lang: Lang, r: &Refusal) -> String {
    let key = |k: &str| t(lang, k).to_owned();
    match r {
        Refusal::RegisteringIsTheClerks => key("refusal.registering_is_the_clerks"),
        Refusal::CorrespondentAndSubjectRequired => key("refusal.correspondent_subject"),
        Refusal::CorrespondentOrSubjectTooLong => key("refusal.correspondent_subject_long"),
        Refusal::ChannelMissing => key("refusal.channel"),
        Refusal::ClassificationMissing => key("refusal.classification"),
        Refusal::FileTooLarge { name, limit_mb } => fill(
            t(lang, "refusal.file_too_large"),
            &[name, &limit_mb.to_string()],
        ),
        Refusal::FileUnreadable { name } => fill(t(lang, "refusal.file_unreadable"), &[name]),
        Refusal::DocumentMissing => key("refusal.document_missing"),
        Refusal::AnnulmentIsAskedByTheClerk => key("refusal.annulment_clerk"),
        Refusal::AnnulmentReasonMissing => key("refusal.annulment_reason"),
        Refusal::AlreadyAnnulled => key("refusal.already_annulled"),
        Refusal::AnnulmentPending => key("refusal.annulment_pending"),
        Refusal::AnnulmentIsAuthorisedByTheOfficer => key("refusal.annulment_officer"),
        Refusal::NothingToAuthorise => key("refusal.nothing_to_authorise"),
        Refusal::TextMissing(what) => {
            fill(t(lang, "refusal.text_missing"), &[office_text(lang, *what)])
        }
        Refusal::TextTooLong(what) => fill(
            t(lang, "refusal.text_too_long"),
            &[office_text(lang, *what)],
        ),
        Refusal::RoleReadsOnly => key("refusal.role_reads_only"),
        Refusal::CaseConcluded => key("refusal.case_concluded"),
        Refusal::ConcludedNotAssigned => key("refusal.concluded_not_assigned"),
        Refusal::AssigneeUnknown => key("refusal.assignee_unknown"),
        Refusal::ChangedMeanwhile => key("refusal.changed_meanwhile"),
        Refusal::Transition(e) => transition_message(lang, e),
    }
}

fn office_text(lang: Lang, what: OfficeText) -> &'static str {
    t(
        lang,
        match what {
            OfficeText::Note => "office_text.note",
            OfficeText::Message => "office_text.message",
            OfficeText::DocumentsNeeded => "office_text.documents_needed",
            OfficeText::ReasonsAgainst => "office_text.reasons_against",
            OfficeText::Motivation => "office_text.motivation",
            OfficeText::MeasuresRequired => "office_text.measures_required",
        },
    )
}

/// Why the state machine refused an action.
pub fn transition_message(lang: Lang, e: &TransitionError) -> String {
    let key = |k: &str| t(lang, k).to_owned();
    match e {
        TransitionError::NotInThisState(state) => {
            fill(t(lang, "transition.not_in_this_state"), &[state])
        }
        TransitionError::NotThisActor => key("transition.not_this_actor"),
        TransitionError::SecondIntegration => key("transition.second_integration"),
        TransitionError::NoPreavviso => key("transition.no_preavviso"),
        TransitionError::NoSilentConsent => key("transition.no_silent_consent"),
        TransitionError::NotScia => key("transition.not_scia"),
        TransitionError::SciaWindowClosed => key("transition.scia_window_closed"),
        TransitionError::SecondConformity => key("transition.second_conformity"),
        TransitionError::NoConformityAwaited => key("transition.no_conformity_awaited"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal has words in both languages (no key falls back to the marker).
    #[test]
    fn every_refusal_is_said_in_both_languages() {
        let all = [
            Refusal::RegisteringIsTheClerks,
            Refusal::CorrespondentAndSubjectRequired,
            Refusal::CorrespondentOrSubjectTooLong,
            Refusal::ChannelMissing,
            Refusal::ClassificationMissing,
            Refusal::FileTooLarge {
                name: "a.pdf".into(),
                limit_mb: 50,
            },
            Refusal::FileUnreadable {
                name: "a.pdf".into(),
            },
            Refusal::DocumentMissing,
            Refusal::AnnulmentIsAskedByTheClerk,
            Refusal::AnnulmentReasonMissing,
            Refusal::AlreadyAnnulled,
            Refusal::AnnulmentPending,
            Refusal::AnnulmentIsAuthorisedByTheOfficer,
            Refusal::NothingToAuthorise,
            Refusal::TextMissing(OfficeText::Motivation),
            Refusal::TextTooLong(OfficeText::Note),
            Refusal::RoleReadsOnly,
            Refusal::CaseConcluded,
            Refusal::ConcludedNotAssigned,
            Refusal::AssigneeUnknown,
            Refusal::ChangedMeanwhile,
            Refusal::Transition(TransitionError::NoPreavviso),
            Refusal::Transition(TransitionError::NotInThisState("accolta")),
        ];
        for r in &all {
            let (it, en) = (refusal_message(Lang::It, r), refusal_message(Lang::En, r));
            assert!(!it.contains("[?]") && !en.contains("[?]"), "{r:?}");
            assert_ne!(it, en, "{r:?} is not translated");
        }
        assert_eq!(
            refusal_message(Lang::It, &Refusal::TextMissing(OfficeText::Motivation)),
            "Scrivi la motivazione."
        );
        assert_eq!(
            refusal_message(
                Lang::En,
                &Refusal::FileTooLarge {
                    name: "a.pdf".into(),
                    limit_mb: 50
                }
            ),
            "The file «a.pdf» is over 50 MB."
        );
    }
}
