//! The words for the app's refusals ([`sportello_app::Refusal`]) and the domain's transition
//! errors, in the person's language: the app says which rule, this module says it.

use sportello_app::reports::ReportProblem;
use sportello_app::tenancy::{ImportError, ImportProblem, MUNICIPALITIES_HEADER};
use sportello_app::{AppError, EmergencyProblem, OfficeText, Refusal};
use sportello_domain::catalogue::CatalogueError;
use sportello_domain::identity::RoleError;
use sportello_domain::participation::BallotError;
use sportello_domain::participation::{Eligibility, ParticipationError};
use sportello_domain::procedure::acts::{ActPart, ActTextError};
use sportello_domain::procedure::states::TransitionError;

use crate::i18n::{t, Lang};
use crate::pages::services::fill;

/// A refusal's words, and whether what was typed is at fault (else the action is not allowed
/// now); `None` for an error that is not a refusal. The one place pages, the API and the
/// command line turn a refusal into words.
pub fn refusal_words(lang: Lang, e: &AppError) -> Option<(bool, String)> {
    match e {
        AppError::Refusal(r) => Some((r.is_input(), refusal_message(lang, r))),
        AppError::Participation(p) => Some((p.is_input(), participation_message(lang, p))),
        AppError::Ballot(b) => Some((true, ballot_message(lang, b))),
        AppError::ActText(a) => Some((true, act_text_message(lang, a))),
        AppError::Catalogue(c) => Some((true, catalogue_message(lang, c))),
        AppError::Import(i) => Some((true, import_message(lang, i))),
        AppError::Report(r) => Some((r.is_input(), report_message(lang, r))),
        AppError::Booking(b) => Some((b.is_input(), booking_message(lang, b))),
        _ => None,
    }
}

/// The sentence for an act's text that was refused.
pub fn act_text_message(lang: Lang, e: &ActTextError) -> String {
    let part = |p: &ActPart| {
        t(
            lang,
            match p {
                ActPart::Title => "acts.part_title",
                ActPart::Body => "acts.part_body",
                ActPart::Message => "acts.part_message",
            },
        )
    };
    match e {
        ActTextError::Empty(p) => fill(t(lang, "acts.empty"), &[part(p)]),
        ActTextError::TooLong(p, max) => {
            fill(t(lang, "acts.too_long"), &[part(p), &max.to_string()])
        }
        ActTextError::Unbalanced(p, line) => {
            fill(t(lang, "acts.unbalanced"), &[part(p), &line.to_string()])
        }
        ActTextError::Unknown(p, name) => {
            fill(t(lang, "acts.unknown"), &[part(p), &format!("{{{name}}}")])
        }
        ActTextError::Missing(slot) => {
            fill(t(lang, "acts.missing"), &[&format!("{{{}}}", slot.name())])
        }
    }
}

/// The words for a use case's error, for the command line as for pages: a refusal in the
/// catalogue's words, anything else as the error says itself.
pub fn error_text(lang: Lang, e: &AppError) -> String {
    refusal_words(lang, e)
        .map(|(_, text)| text)
        .unwrap_or_else(|| e.to_string())
}

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
        Refusal::RankingIsTheOfficers => key("refusal.ranking_officer"),
        Refusal::NothingToRank => key("refusal.nothing_to_rank"),
        Refusal::NothingToAuthorise => key("refusal.nothing_to_authorise"),
        Refusal::AnnulmentNeedsAnotherPerson => key("refusal.annulment_another_person"),
        Refusal::RoutedElsewhere => key("refusal.routed_elsewhere"),
        Refusal::NotRoutable => key("refusal.not_routable"),
        Refusal::OfficeNotChosen => key("refusal.office_not_chosen"),
        Refusal::AlreadyTaken => key("refusal.already_taken"),
        Refusal::MemberUnknown => key("refusal.member_unknown"),
        Refusal::PaymentsNotActive => key("refusal.payments_not_active"),
        Refusal::NoFees => key("refusal.no_fees"),
        Refusal::TooManyFees => key("refusal.too_many_fees"),
        Refusal::AmountTooLarge => key("refusal.amount_too_large"),
        Refusal::NotPayableOnline => key("refusal.not_payable_online"),
        Refusal::CheckoutUnavailable => key("refusal.checkout_unavailable"),
        Refusal::StatementInvalid => key("refusal.statement_invalid"),
        Refusal::NotWithdrawable => key("refusal.not_withdrawable"),
        Refusal::AlboNotARequest => key("refusal.albo_not_a_request"),
        Refusal::AlboOwnRequest => key("refusal.albo_own_request"),
        Refusal::AlboAnnulmentUnconfirmed => key("refusal.albo_annulment_unconfirmed"),
        Refusal::AlboReturnReasonMissing => key("refusal.albo_return_reason"),
        Refusal::AlboFindingsUnconfirmed => key("refusal.albo_findings_unconfirmed"),
        Refusal::AlboExtractNotPdf => key("refusal.albo_extract_not_pdf"),
        Refusal::AlboNotPublished => key("refusal.albo_not_published"),
        Refusal::AlboExtensionInvalid => key("refusal.albo_extension_invalid"),
        Refusal::AlboExpired => key("refusal.albo_expired"),
        Refusal::AlboAnnulled => key("refusal.albo_annulled"),
        Refusal::AlboHealthData => key("refusal.albo_health_data"),
        Refusal::AlboBeyondTheLaw { max } => {
            fill(t(lang, "refusal.albo_beyond_the_law"), &[&max.to_string()])
        }
        Refusal::PaymentDataInvalid { field } => {
            let said = fill(
                t(lang, "refusal.payment_data"),
                &[t(lang, &format!("payfield.{field}"))],
            );
            // What the creditor form's fields must be, said with the refusal.
            match PAYFIELD_HINTS.iter().find(|(f, _)| f == field) {
                Some((_, hint)) => format!("{said} {}", t(lang, hint)),
                None => said,
            }
        }
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
        Refusal::RatingRefused(e) => key(match e {
            sportello_domain::accountability::rating::RatingError::Stars => "feedback.error_stars",
            sportello_domain::accountability::rating::RatingError::Reason => {
                "feedback.error_reason"
            }
            sportello_domain::accountability::rating::RatingError::TooLong => {
                "feedback.error_too_long"
            }
        }),
        Refusal::NoAnswerAwaited => key("refusal.no_answer_awaited"),
        Refusal::AnswerEmpty => key("refusal.answer_empty"),
        Refusal::AnswerTooLong => key("refusal.answer_too_long"),
        Refusal::TooManyAnswerFiles { max } => fill(
            t(lang, "refusal.too_many_answer_files"),
            &[&max.to_string()],
        ),
        Refusal::ConcludedNewApplication => key("refusal.concluded_new_application"),
        Refusal::ApplicantMessageInvalid => key("refusal.applicant_message"),
        Refusal::NoLongerWithdrawable(state) => {
            fill(t(lang, "refusal.no_longer_withdrawable"), &[state.label()])
        }
        Refusal::IdempotencyKeyReused => key("refusal.idempotency_key_reused"),
        Refusal::AssistedCodeInvalid => key("refusal.assisted_code"),
        Refusal::OutsideAssistedSession => key("refusal.outside_assisted"),
        Refusal::AssistedNameMissing => key("refusal.assisted_name"),
        Refusal::MandateUnreadable => key("refusal.mandate_unreadable"),
        Refusal::UnknownOffice { office } => fill(t(lang, "refusal.unknown_office"), &[office]),
        Refusal::EmailInvalid { field } => fill(
            t(lang, "refusal.email_invalid"),
            &[t(lang, &format!("pagefield.{field}"))],
        ),
        Refusal::AddressInvalid { field } => fill(
            t(lang, "refusal.address_invalid"),
            &[t(lang, &format!("pagefield.{field}"))],
        ),
        Refusal::PageTextTooLong { field, max } => fill(
            t(lang, "refusal.page_text_too_long"),
            &[t(lang, &format!("pagefield.{field}")), &max.to_string()],
        ),
        Refusal::Transition(e) => transition_message(lang, e),
        Refusal::UsernameInvalid => key("refusal.username_invalid"),
        Refusal::PasswordTooShort { min } => {
            fill(t(lang, "refusal.password_too_short"), &[&min.to_string()])
        }
        Refusal::RolesMissing => key("refusal.roles_missing"),
        Refusal::UnknownIstat { istat } => fill(t(lang, "refusal.unknown_istat"), &[istat]),
        Refusal::Role(e) => role_message(lang, e),
        Refusal::TotpSecretInvalid => key("refusal.totp_secret"),
        Refusal::UsernameTaken { username } => fill(t(lang, "refusal.username_taken"), &[username]),
        Refusal::NotADayOfTheYear { day, month } => fill(
            t(lang, "refusal.not_a_day"),
            &[&day.to_string(), &month.to_string()],
        ),
        Refusal::NotADate { text } => fill(t(lang, "refusal.not_a_date"), &[text]),
        Refusal::EmergencyRegister { line, problem } => {
            let what = match problem {
                EmergencyProblem::Unreadable(e) => fill(t(lang, "import.unreadable"), &[e]),
                EmergencyProblem::Header => fill(
                    t(lang, "emergency.header"),
                    &["numero_emergenza,data_ora,direzione,corrispondente,oggetto,impronta_sha256"],
                ),
                EmergencyProblem::Direction(d) => fill(t(lang, "emergency.direction"), &[d]),
                EmergencyProblem::Required => t(lang, "emergency.required").to_owned(),
                EmergencyProblem::DateTime(at) => fill(t(lang, "emergency.date_time"), &[at]),
                EmergencyProblem::Digest => t(lang, "emergency.digest").to_owned(),
                EmergencyProblem::AlreadyImported(n) => {
                    fill(t(lang, "emergency.already_imported"), &[n])
                }
            };
            fill(t(lang, "import.line"), &[&line.to_string(), &what])
        }
    }
}

/// The words for a role that does not fit where it was given.
pub fn role_message(lang: Lang, e: &RoleError) -> String {
    match e {
        RoleError::Unknown(code) => fill(t(lang, "role_error.unknown"), &[code]),
        RoleError::RegionRoleOnEnte => t(lang, "role_error.region_on_ente").to_owned(),
        RoleError::EnteRoleWithoutEnte(code) => fill(t(lang, "role_error.needs_ente"), &[code]),
    }
}

/// The words for a service or an adoption outside the law's limits.
pub fn catalogue_message(lang: Lang, e: &CatalogueError) -> String {
    match e {
        CatalogueError::Id(id) => fill(t(lang, "catalogue_error.id"), &[id]),
        CatalogueError::Term(id, days) => {
            fill(t(lang, "catalogue_error.term"), &[id, &days.to_string()])
        }
        CatalogueError::SciaWindow(id) => fill(t(lang, "catalogue_error.scia_window"), &[id]),
        CatalogueError::Window(id) => fill(t(lang, "catalogue_error.window"), &[id]),
        CatalogueError::NoApplicants(id) => fill(t(lang, "catalogue_error.no_applicants"), &[id]),
        CatalogueError::Fee(id) => fill(t(lang, "catalogue_error.fee"), &[id]),
        CatalogueError::NoHow(id) => fill(t(lang, "catalogue_error.no_how"), &[id]),
        // The call's criteria are the catalogue authors' (developers'): their words are English.
        CatalogueError::Ranking(id, e) => format!("{id}: {e}"),
        // The form's schema is the catalogue authors' (developers'): its words are English.
        CatalogueError::Form(id, e) => format!("{id}: {e}"),
    }
}

/// The words for a refused line of the ISTAT list.
pub fn import_message(lang: Lang, e: &ImportError) -> String {
    let what = match &e.problem {
        ImportProblem::Unreadable(text) => fill(t(lang, "import.unreadable"), &[text]),
        ImportProblem::Header { found } => fill(
            t(lang, "import.header"),
            &[&MUNICIPALITIES_HEADER.join(","), found],
        ),
        // The row's own checks (ISTAT and cadastral codes, names) speak Italian in the domain.
        ImportProblem::Row(row) => row.to_string(),
        ImportProblem::RepeatedIstat(code) => fill(t(lang, "import.repeated_istat"), &[code]),
        ImportProblem::RepeatedSlug { slug, other_line } => fill(
            t(lang, "import.repeated_slug"),
            &[slug, &other_line.to_string()],
        ),
        ImportProblem::Empty => t(lang, "import.empty").to_owned(),
    };
    fill(t(lang, "import.line"), &[&e.line.to_string(), &what])
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
            OfficeText::Answer => "office_text.answer",
        },
    )
}

/// A refused ballot in words.
/// The sentence for a report's refusal (issue 20).
pub fn report_message(lang: Lang, e: &ReportProblem) -> String {
    use sportello_domain::reports::{PlaceError as P, ReportError as R, TextError as T};
    let key = |k: &str| t(lang, k).to_owned();
    match e {
        ReportProblem::Category => key("reports.problem.category"),
        ReportProblem::Text(T::SubjectMissing) => key("reports.problem.subject_missing"),
        ReportProblem::Text(T::SubjectTooLong) => key("reports.problem.subject_long"),
        ReportProblem::Text(T::DescriptionMissing) => key("reports.problem.description_missing"),
        ReportProblem::Text(T::DescriptionTooLong) => key("reports.problem.description_long"),
        ReportProblem::Place(P::Nowhere) => key("reports.problem.nowhere"),
        ReportProblem::Place(P::BadCoordinate(c)) => {
            fill(t(lang, "reports.problem.coordinate"), &[c])
        }
        ReportProblem::Place(P::BadLongitude(c)) => {
            fill(t(lang, "reports.problem.longitude"), &[c])
        }
        ReportProblem::Place(P::HalfPoint) => key("reports.problem.half_point"),
        ReportProblem::Place(P::OutsideItaly) => key("reports.problem.outside"),
        ReportProblem::Place(P::OutsideTerritory) => key("reports.problem.outside_territory"),
        ReportProblem::Place(P::StreetMissing) => key("reports.problem.street_missing"),
        ReportProblem::Place(P::BadHouseNumber(n)) => {
            fill(t(lang, "reports.problem.house_number"), &[n])
        }
        ReportProblem::Place(P::UnknownStreet { street, close }) => {
            let mut s = fill(t(lang, "reports.problem.unknown_street"), &[street]);
            if !close.is_empty() {
                s.push(' ');
                s.push_str(&fill(
                    t(lang, "reports.problem.maybe"),
                    &[&close.join(", ")],
                ));
            }
            s
        }
        ReportProblem::Move(R::NotNow { .. }) => key("reports.problem.not_now"),
        ReportProblem::Move(R::NotTheReporter) => key("reports.problem.not_reporter"),
        ReportProblem::Move(R::NotTheOffice) => key("reports.problem.not_office"),
        ReportProblem::Move(R::AnswerNeeded) => key("reports.problem.answer_needed"),
        ReportProblem::Move(R::TooLateToReopen) => key("reports.problem.too_late"),
        ReportProblem::Move(R::ReopenedTooOften) => key("reports.problem.too_often"),
        ReportProblem::Changed => key("reports.problem.changed"),
        ReportProblem::Office => key("reports.problem.office"),
        ReportProblem::Setup => key("reports.problem.setup"),
        ReportProblem::ApiKey => key("reports.problem.api_key"),
        ReportProblem::Email => key("reports.problem.email"),
        ReportProblem::Name => key("reports.problem.name"),
        ReportProblem::TooMany => key("reports.problem.too_many"),
        ReportProblem::Expired => key("reports.problem.expired"),
        ReportProblem::Photo(n, p) => {
            use sportello_app::reports::PhotoProblem as F;
            let which = n.to_string();
            match p {
                F::TooMany => key("reports.problem.photo_too_many"),
                F::TooLarge => fill(t(lang, "reports.problem.photo_too_large"), &[&which]),
                F::NotAnImage => fill(t(lang, "reports.problem.photo_not_image"), &[&which]),
                F::AltMissing => fill(t(lang, "reports.problem.photo_alt"), &[&which]),
            }
        }
    }
}

pub fn ballot_message(lang: Lang, e: &BallotError) -> String {
    let n = |x: &dyn ToString| x.to_string();
    match e {
        BallotError::Empty => t(lang, "ballot.empty").to_owned(),
        BallotError::NoDistrict => t(lang, "ballot.no_district").to_owned(),
        BallotError::NotOnBallot(p) => fill(t(lang, "ballot.not_on_ballot"), &[&n(p)]),
        BallotError::OtherDistrict {
            project,
            theirs,
            chosen,
        } => fill(
            t(lang, "ballot.other_district"),
            &[&n(project), theirs, chosen],
        ),
        BallotError::Repeated(p) => fill(t(lang, "ballot.repeated"), &[&n(p)]),
        BallotError::TooFew {
            min,
            given,
            ranking,
        } => fill(
            t(
                lang,
                if *ranking {
                    "ballot.too_few_rank"
                } else {
                    "ballot.too_few_choose"
                },
            ),
            &[&n(min), &n(given)],
        ),
        BallotError::TooMany {
            max,
            given,
            ranking,
        } => fill(
            t(
                lang,
                if *ranking {
                    "ballot.too_many_rank"
                } else {
                    "ballot.too_many_choose"
                },
            ),
            &[&n(max), &n(given)],
        ),
        BallotError::PointsMissing => t(lang, "ballot.points_missing").to_owned(),
        BallotError::TooManyPoints { given, max } => {
            fill(t(lang, "ballot.too_many_points"), &[&n(given), &n(max)])
        }
        BallotError::OverBudget { total, budget } => {
            fill(t(lang, "ballot.over_budget"), &[&n(total), &n(budget)])
        }
        BallotError::RanksNotConsecutive => t(lang, "ballot.ranks").to_owned(),
    }
}

/// A phase of participatory budgeting as pages name it.
pub fn phase_label(lang: Lang, p: sportello_domain::participation::Phase) -> &'static str {
    t(lang, &format!("pb.phase.{}", p.code()))
}

/// Who may take part in a participatory budget, as its page says it.
pub fn eligibility_rule(lang: Lang, eligibility: Eligibility, min_age: i64) -> String {
    let key = match eligibility {
        Eligibility::List => "pb.rule_list",
        Eligibility::Anyone => "pb.rule_any",
    };
    fill(t(lang, key), &[&min_age.to_string()])
}

/// A whole number with the language's thousands separator (200.000 / 200,000).
pub(crate) fn thousands(lang: Lang, v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let sep = if lang == Lang::It { '.' } else { ',' };
    let mut out = String::new();
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A process's ballot rule, as its pages say it.
pub fn ballot_rule(lang: Lang, p: &sportello_app::pb::PbProcess) -> String {
    use sportello_app::pb::BallotKind;
    let r = &p.row;
    let n = |v: i64| v.to_string();
    match r.ballot_kind {
        BallotKind::Cumulative => fill(t(lang, "pb.rule_points"), &[&n(r.max_points.unwrap_or(0))]),
        BallotKind::Ordinal => fill(
            t(lang, "pb.rule_ranking"),
            &[
                &n(r.min_projects.unwrap_or(1)),
                &n(r.max_projects.unwrap_or(3)),
            ],
        ),
        BallotKind::Approval => match (r.min_projects, r.max_projects) {
            (None, None) if !p.districts.is_empty() => {
                t(lang, "pb.rule_budget_district").to_owned()
            }
            (None, None) => fill(t(lang, "pb.rule_budget"), &[&thousands(lang, r.budget)]),
            (min, Some(max)) => fill(t(lang, "pb.rule_between"), &[&n(min.unwrap_or(1)), &n(max)]),
            (Some(min), None) => fill(t(lang, "pb.rule_at_least"), &[&n(min)]),
        },
    }
}

/// The sentence for a refusal of participatory budgeting.
pub fn participation_message(lang: Lang, e: &ParticipationError) -> String {
    use ParticipationError as E;
    let key = |k: &str| t(lang, k).to_owned();
    let with = |k: &str, args: &[&str]| fill(t(lang, k), args);
    let phase = |p| phase_label(lang, p).to_owned();
    match e {
        E::SlugInvalid => key("pbe.slug_invalid"),
        E::SlugTaken => key("pbe.slug_taken"),
        E::TitleMissing => key("pbe.title_missing"),
        E::BudgetNotPositive => key("pbe.budget_not_positive"),
        E::BallotKindMissing => key("pbe.ballot_kind_missing"),
        E::PointsRequired => key("pbe.points_required"),
        E::ProjectCountRange => key("pbe.project_count_range"),
        E::RuleMissing => key("pbe.rule_missing"),
        E::EligibilityMissing => key("pbe.eligibility_missing"),
        E::MinAgeRange => key("pbe.min_age_range"),
        E::NoPhase => key("pbe.no_phase"),
        E::UnknownPhase => key("pbe.unknown_phase"),
        E::PhaseDates(p) => with("pbe.phase_dates", &[&phase(*p)]),
        E::NoVote => key("pbe.no_vote"),
        E::TooFewVoters { min } => with("pbe.too_few_voters", &[&min.to_string()]),
        E::PhaseOrder { earlier, later } => {
            with("pbe.phase_order", &[&phase(*later), &phase(*earlier)])
        }
        E::DistrictInvalid { code } => with("pbe.district_invalid", &[code]),
        E::DistrictRepeated { code } => with("pbe.district_repeated", &[code]),
        E::DistrictBudgetsSum { total, budget } => with(
            "pbe.district_budgets_sum",
            &[&total.to_string(), &budget.to_string()],
        ),
        E::ImportedDatesFixed => key("pbe.imported_dates_fixed"),
        E::ProposalsClosed => key("pbe.proposals_closed"),
        E::ProposalTitle => key("pbe.proposal_title"),
        E::ProposalDescriptionMissing => key("pbe.proposal_description"),
        E::EstimatedCostMissing => key("pbe.estimated_cost_missing"),
        E::EstimatedCostOverBudget { limit } => {
            with("pbe.estimated_cost_over", &[&limit.to_string()])
        }
        E::ProposalDistrictMissing => key("pbe.proposal_district"),
        E::TooManyImages => key("pbe.too_many_images"),
        E::ImageTooLarge => key("pbe.image_too_large"),
        E::ImageUnreadable => key("pbe.image_unreadable"),
        E::ImageAltMissing => key("pbe.image_alt"),
        E::ProjectsFrozenDuringVote => key("pbe.projects_frozen"),
        E::UnfeasibleReasonMissing => key("pbe.unfeasible_reason"),
        E::RevisedCostOutOfRange { max } => with("pbe.revised_cost", &[&max.to_string()]),
        E::ExecutionMissing => key("pbe.execution_missing"),
        E::ExecutionNoteTooLong => key("pbe.execution_note"),
        E::ExecutionBeforeResults => key("pbe.execution_before_results"),
        E::AgeUnreadable {
            eligibility,
            min_age,
        } => format!(
            "{} {}",
            t(lang, "pbe.age_unreadable"),
            eligibility_rule(lang, *eligibility, *min_age)
        ),
        E::TooYoung {
            age,
            eligibility,
            min_age,
        } => format!(
            "{} {}",
            with("pbe.too_young", &[&age.to_string()]),
            eligibility_rule(lang, *eligibility, *min_age)
        ),
        E::NotOnList {
            eligibility,
            min_age,
        } => format!(
            "{} {}",
            t(lang, "pbe.not_on_list"),
            eligibility_rule(lang, *eligibility, *min_age)
        ),
        E::EligibleListLine { line, value } => {
            with("pbe.eligible_line", &[&line.to_string(), value])
        }
        E::NoOpenVote => key("pbe.no_open_vote"),
        E::VoteClosed => key("pbe.vote_closed"),
        E::ResultsNotYet => key("pbe.results_not_yet"),
        E::DebateClosed => key("pbe.debate_closed"),
        E::DebateOnlyOnBallot => key("pbe.debate_only_on_ballot"),
        E::CommentInvalid => key("pbe.comment_invalid"),
        E::ReplyTarget => key("pbe.reply_target"),
        E::FacilitatorOrganisationMissing => key("pbe.facilitator_organisation"),
        E::FacilitatorCodeInvalid { value } => with("pbe.facilitator_code", &[value]),
        E::DecimalAmounts => key("pbe.decimal_amounts"),
        E::ScoringUnsupported => key("pbe.scoring_unsupported"),
        E::BudgetTooLarge => key("pbe.budget_too_large"),
        E::LimitTooLarge => key("pbe.limit_too_large"),
        E::CostTooLarge => key("pbe.cost_too_large"),
    }
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

/// The creditor form's fields and what each must be.
const PAYFIELD_HINTS: [(&str, &str); 6] = [
    ("codice_fiscale_ente", "payhint.codice_fiscale_ente"),
    ("codice_segregazione", "payhint.codice_segregazione"),
    ("iban", "payhint.iban"),
    ("conto_postale", "payhint.conto_postale"),
    ("autorizzazione_postale", "payhint.autorizzazione_postale"),
    ("cbill", "payhint.cbill"),
];

/// The sentence for a booking refused.
pub fn booking_message(lang: Lang, e: &sportello_app::bookings::BookingProblem) -> String {
    use sportello_app::bookings::BookingProblem as B;
    let key = match e {
        B::Rules(_) => "bookings.problem.rules",
        B::Code => "bookings.problem.code",
        B::CalendarName => "bookings.problem.calendar_name",
        B::Kind => "bookings.problem.kind",
        B::Office => "bookings.problem.office",
        B::Service => "bookings.problem.service",
        B::NotFull => "bookings.problem.not_full",
        B::NoSlot => "bookings.problem.no_slot",
        B::NotBookable => "bookings.problem.not_bookable",
        B::Full => "bookings.problem.full",
        B::Expired => "bookings.problem.expired",
        B::Subject => "bookings.problem.subject",
        B::Name => "bookings.problem.name",
        B::Email => "bookings.problem.email",
        B::Phone => "bookings.problem.phone",
        B::TooLate => "bookings.problem.too_late",
        B::NotNow => "bookings.problem.not_now",
        B::Case => "bookings.problem.case",
        B::Already => "bookings.problem.already",
        B::NotYet => "bookings.problem.not_yet",
        B::SameSlot => "bookings.problem.same_slot",
    };
    t(lang, key).to_owned()
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
            Refusal::RankingIsTheOfficers,
            Refusal::NothingToRank,
            Refusal::NothingToAuthorise,
            Refusal::AnnulmentNeedsAnotherPerson,
            Refusal::RoutedElsewhere,
            Refusal::NotRoutable,
            Refusal::OfficeNotChosen,
            Refusal::AlreadyTaken,
            Refusal::MemberUnknown,
            Refusal::PaymentsNotActive,
            Refusal::NoFees,
            Refusal::TooManyFees,
            Refusal::AmountTooLarge,
            Refusal::NotPayableOnline,
            Refusal::CheckoutUnavailable,
            Refusal::StatementInvalid,
            Refusal::NotWithdrawable,
            Refusal::AlboNotARequest,
            Refusal::AlboOwnRequest,
            Refusal::AlboAnnulmentUnconfirmed,
            Refusal::AlboReturnReasonMissing,
            Refusal::AlboFindingsUnconfirmed,
            Refusal::AlboExtractNotPdf,
            Refusal::AlboNotPublished,
            Refusal::AlboExtensionInvalid,
            Refusal::AlboExpired,
            Refusal::AlboAnnulled,
            Refusal::AlboHealthData,
            Refusal::AlboBeyondTheLaw { max: 15 },
            Refusal::PaymentDataInvalid { field: "iban" },
            Refusal::TextMissing(OfficeText::Motivation),
            Refusal::TextTooLong(OfficeText::Note),
            Refusal::TextMissing(OfficeText::Answer),
            Refusal::RatingRefused(sportello_domain::accountability::rating::RatingError::Stars),
            Refusal::RatingRefused(sportello_domain::accountability::rating::RatingError::Reason),
            Refusal::RatingRefused(sportello_domain::accountability::rating::RatingError::TooLong),
            Refusal::RoleReadsOnly,
            Refusal::CaseConcluded,
            Refusal::ConcludedNotAssigned,
            Refusal::AssigneeUnknown,
            Refusal::ChangedMeanwhile,
            Refusal::NoAnswerAwaited,
            Refusal::AnswerEmpty,
            Refusal::AnswerTooLong,
            Refusal::TooManyAnswerFiles { max: 5 },
            Refusal::ConcludedNewApplication,
            Refusal::ApplicantMessageInvalid,
            Refusal::IdempotencyKeyReused,
            Refusal::AssistedCodeInvalid,
            Refusal::OutsideAssistedSession,
            Refusal::AssistedNameMissing,
            Refusal::MandateUnreadable,
            Refusal::UnknownOffice {
                office: "URP".into(),
            },
            Refusal::Transition(TransitionError::NoPreavviso),
            Refusal::Transition(TransitionError::NotInThisState("accolta")),
            Refusal::UsernameInvalid,
            Refusal::PasswordTooShort { min: 12 },
            Refusal::RolesMissing,
            Refusal::UnknownIstat {
                istat: "000000".into(),
            },
            Refusal::Role(RoleError::Unknown("capo".into())),
            Refusal::Role(RoleError::RegionRoleOnEnte),
            Refusal::Role(RoleError::EnteRoleWithoutEnte("operator")),
            Refusal::TotpSecretInvalid,
            Refusal::UsernameTaken {
                username: "mario".into(),
            },
            Refusal::EmailInvalid {
                field: "pec".into(),
            },
            Refusal::AddressInvalid {
                field: "accessibilita".into(),
            },
            Refusal::PageTextTooLong {
                field: "descrizione".into(),
                max: 2000,
            },
            Refusal::NotADayOfTheYear { day: 31, month: 2 },
            Refusal::NotADate {
                text: "ieri".into(),
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::Required,
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::Header,
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::Direction("su".into()),
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::DateTime("ieri".into()),
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::Digest,
            },
            Refusal::EmergencyRegister {
                line: 3,
                problem: EmergencyProblem::AlreadyImported("E-1".into()),
            },
        ];
        for e in [
            CatalogueError::Id("x".into()),
            CatalogueError::Term("x".into(), 120),
            CatalogueError::SciaWindow("x".into()),
            CatalogueError::Window("x".into()),
            CatalogueError::NoApplicants("x".into()),
            CatalogueError::Fee("x".into()),
        ] {
            let (it, en) = (
                catalogue_message(Lang::It, &e),
                catalogue_message(Lang::En, &e),
            );
            assert!(!it.contains("[?]") && !en.contains("[?]"), "{e:?}");
            assert_ne!(it, en, "{e:?} is not translated");
        }
        for problem in [
            ImportProblem::Header {
                found: "a,b".into(),
            },
            ImportProblem::RepeatedIstat("049009".into()),
            ImportProblem::RepeatedSlug {
                slug: "livorno".into(),
                other_line: 2,
            },
            ImportProblem::Empty,
        ] {
            let e = ImportError { line: 4, problem };
            let (it, en) = (import_message(Lang::It, &e), import_message(Lang::En, &e));
            assert!(!it.contains("[?]") && !en.contains("[?]"), "{e:?}");
            assert_ne!(it, en, "{e:?} is not translated");
            assert!(it.starts_with("riga 4: "), "{it}");
        }
        for r in &all {
            let (it, en) = (refusal_message(Lang::It, r), refusal_message(Lang::En, r));
            assert!(!it.contains("[?]") && !en.contains("[?]"), "{r:?}");
            assert_ne!(it, en, "{r:?} is not translated");
        }
        for e in [
            ParticipationError::PhaseDates(sportello_domain::participation::Phase::Vote2),
            ParticipationError::TooFewVoters { min: 20 },
            ParticipationError::PhaseOrder {
                earlier: sportello_domain::participation::Phase::Proposals,
                later: sportello_domain::participation::Phase::Vote1,
            },
            ParticipationError::TooYoung {
                age: 15,
                eligibility: Eligibility::List,
                min_age: 16,
            },
            ParticipationError::DistrictBudgetsSum {
                total: 90,
                budget: 100,
            },
            ParticipationError::EligibleListLine {
                line: 3,
                value: "X".into(),
            },
            ParticipationError::NoOpenVote,
            ParticipationError::CostTooLarge,
        ] {
            let (it, en) = (
                participation_message(Lang::It, &e),
                participation_message(Lang::En, &e),
            );
            assert!(!it.contains("[?]") && !en.contains("[?]"), "{e:?}");
            assert_ne!(it, en, "{e:?} is not translated");
        }
        assert_eq!(
            participation_message(
                Lang::It,
                &ParticipationError::TooYoung {
                    age: 15,
                    eligibility: Eligibility::Anyone,
                    min_age: 16
                }
            ),
            "Non puoi partecipare: dal codice fiscale risulti avere 15 anni. Può partecipare chiunque acceda con SPID o CIE, dai 16 anni compiuti (l'età è letta dal codice fiscale)."
        );
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
