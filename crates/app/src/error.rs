//! Errors of use cases, in terms the web layer can map to a page or a problem document.

use sportello_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// More filings are waiting than the server takes on: try again shortly. Nothing was
    /// stored.
    #[error("overloaded")]
    Overloaded,
    #[error("sign-in refused: {0}")]
    SignIn(#[from] crate::oidc::SignInError),
    #[error("staff sign-in refused: {0}")]
    StaffLogin(#[from] crate::staff::StaffLoginError),
    #[error("application: {0}")]
    Apply(#[from] crate::applications::ApplyError),
    /// A rule the request broke, by kind: the web says which in the person's language.
    #[error("refused: {0}")]
    Refusal(#[from] Refusal),
    /// The ISTAT list of municipalities refused, by line and problem.
    #[error("municipalities: {0}")]
    Import(crate::tenancy::ImportError),
    /// A service definition or an ente's adoption of it that breaks the law's limits.
    #[error("catalogue: {0}")]
    Catalogue(#[from] sportello_domain::catalogue::CatalogueError),
    /// Participatory budgeting refused, by kind.
    #[error("participatory budgeting: {0}")]
    Participation(#[from] sportello_domain::participation::ParticipationError),
    /// A ballot that breaks its process's rules; the web says which in the person's language.
    #[error("ballot refused: {0}")]
    Ballot(#[from] sportello_domain::participation::BallotError),
    /// An act's text an administrator wrote that breaks what the law requires it to say.
    #[error("act text refused: {0}")]
    ActText(sportello_domain::procedure::acts::ActTextError),
    /// A report (segnalazione) refused, by kind (issue 20).
    #[error("report: {0}")]
    Report(crate::reports::ReportProblem),
    /// A booking (prenotazione) refused, by kind (issue 20).
    #[error("booking: {0}")]
    Booking(crate::bookings::BookingProblem),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

/// What a use case refused, by kind, with what the message needs — never a sentence: the web
/// turns each into words in the person's language (`sportello-web`, `refusals.rs`), and tests
/// match kinds, not text. `is_input` says whether the fault is in what was typed (the page is
/// shown again with it) or in the moment (the action is not allowed now).
///
/// No use case returns a sentence: every refusal is a kind here or a typed error of its own
/// (`ApplyError`, `ParticipationError`, `BallotError`, `ActTextError`, `CatalogueError`,
/// `ImportError`), which the web's catalogue says in Italian or English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only a registry clerk registers documents")]
    RegisteringIsTheClerks,
    #[error("correspondent and subject are required")]
    CorrespondentAndSubjectRequired,
    #[error("correspondent or subject too long")]
    CorrespondentOrSubjectTooLong,
    #[error("no channel chosen")]
    ChannelMissing,
    #[error("no classification chosen")]
    ClassificationMissing,
    #[error("file {name} is over {limit_mb} MB")]
    FileTooLarge { name: String, limit_mb: u32 },
    #[error("file {name} is not a readable PDF, image or P7M")]
    FileUnreadable { name: String },
    #[error("no document attached")]
    DocumentMissing,
    #[error("annulments are asked by the clerk and authorised by the officer")]
    AnnulmentIsAskedByTheClerk,
    #[error("no reason for the annulment")]
    AnnulmentReasonMissing,
    #[error("already annulled")]
    AlreadyAnnulled,
    #[error("an annulment is already waiting for authorisation")]
    AnnulmentPending,
    #[error("only the responsible officer authorises an annulment")]
    AnnulmentIsAuthorisedByTheOfficer,
    #[error("only the responsible officer approves a ranking")]
    RankingIsTheOfficers,
    #[error("no application to rank")]
    NothingToRank,
    #[error("no annulment to authorise")]
    NothingToAuthorise,
    #[error("the one who asked for an annulment may not authorise it")]
    AnnulmentNeedsAnotherPerson,
    #[error("the document was routed to another office")]
    RoutedElsewhere,
    #[error("only incoming documents outside applications are routed")]
    NotRoutable,
    #[error("no office chosen")]
    OfficeNotChosen,
    #[error("the document was already taken in charge")]
    AlreadyTaken,
    #[error("a member chosen is not of this ente, or the office is not")]
    MemberUnknown,
    // Payments.
    #[error("the ente does not collect payments through pagoPA yet")]
    PaymentsNotActive,
    #[error("the service has no fees")]
    NoFees,
    #[error("more fees than a payment's five transfers")]
    TooManyFees,
    #[error("an amount too large")]
    AmountTooLarge,
    /// The notice cannot be paid online now: no connection to pagoPA, not yet published,
    /// already paid, or no longer payable.
    #[error("not payable online")]
    NotPayableOnline,
    /// The position is paid, reported or withdrawn already: it cannot be withdrawn.
    #[error("position not withdrawable")]
    NotWithdrawable,
    /// The file is not a camt.053.001.02 bank statement we can read.
    #[error("bank statement not readable")]
    StatementInvalid,
    /// pagoPA's checkout did not take the cart.
    #[error("checkout unavailable")]
    CheckoutUnavailable,
    #[error("payment data: {field} is not valid")]
    PaymentDataInvalid { field: &'static str },
    /// The albo: this is not (or no longer) a request waiting to be published.
    #[error("not a publication request")]
    AlboNotARequest,
    /// The albo: the publication officer cannot publish what they asked themselves.
    #[error("own publication request")]
    AlboOwnRequest,
    /// The albo: a request sent back without a reason.
    #[error("no reason to send the request back")]
    AlboReturnReasonMissing,
    /// The albo: an annulment not confirmed (it cannot be undone).
    #[error("annulment not confirmed")]
    AlboAnnulmentUnconfirmed,
    /// The albo: what the privacy check found was not confirmed as seen.
    #[error("privacy findings not confirmed")]
    AlboFindingsUnconfirmed,
    /// The albo: the extract to publish is not a PDF.
    #[error("extract not a PDF")]
    AlboExtractNotPdf,
    /// The albo: the entry is not published (a request, ended, or annulled).
    #[error("albo entry not published")]
    AlboNotPublished,
    /// The albo: the extension is not 1 to 365 days.
    #[error("albo extension not valid")]
    AlboExtensionInvalid,
    /// The albo: the entry's period is over; its documents are no longer published.
    #[error("albo entry expired")]
    AlboExpired,
    /// The albo: the entry was annulled; its documents are no longer published.
    #[error("albo entry annulled")]
    AlboAnnulled,
    /// The albo: the document holds health data; only an extract without it is published.
    #[error("health data in the document")]
    AlboHealthData,
    /// The albo: the period would go beyond what the law allows the act's type.
    #[error("albo period beyond {max} days")]
    AlboBeyondTheLaw { max: u16 },
    #[error("{0:?} missing")]
    TextMissing(OfficeText),
    #[error("{0:?} over 10,000 characters")]
    TextTooLong(OfficeText),
    #[error("this role reads cases, it does not act on them")]
    RoleReadsOnly,
    #[error("the case is concluded")]
    CaseConcluded,
    #[error("the case is concluded: it is no longer assigned")]
    ConcludedNotAssigned,
    #[error("not an operator or officer of this ente")]
    AssigneeUnknown,
    #[error("the case changed meanwhile")]
    ChangedMeanwhile,
    #[error("a rating that cannot be kept: {0:?}")]
    RatingRefused(sportello_domain::accountability::rating::RatingError),
    // The applicant's side of a case.
    #[error("no answer is awaited on this case")]
    NoAnswerAwaited,
    #[error("neither a message nor a document")]
    AnswerEmpty,
    #[error("message over 10,000 characters")]
    AnswerTooLong,
    #[error("more than {max} documents")]
    TooManyAnswerFiles { max: usize },
    #[error("the case is concluded: a new request is a new application")]
    ConcludedNewApplication,
    #[error("message missing or over 5,000 characters")]
    ApplicantMessageInvalid,
    #[error("already concluded ({0:?}): it can no longer be withdrawn")]
    NoLongerWithdrawable(sportello_domain::procedure::states::CaseState),
    #[error("Idempotency-Key already used for another application")]
    IdempotencyKeyReused,
    // Assisted sessions (PAAS).
    #[error("the citizen's codice fiscale is not valid")]
    AssistedCodeInvalid,
    #[error("not within an assisted session's reach (another ente, or an API token)")]
    OutsideAssistedSession,
    #[error("the citizen's name is missing")]
    AssistedNameMissing,
    #[error("the mandate is not a readable PDF, image or P7M")]
    MandateUnreadable,
    // Adopting a service.
    #[error("office {office} is not of this ente")]
    UnknownOffice { office: String },
    #[error("{0}")]
    Transition(sportello_domain::procedure::states::TransitionError),
    // Administrators' tools (staff accounts, the ente's calendar, imports).
    #[error("username must be 3 or more lower-case letters, digits, dots, dashes or underscores")]
    UsernameInvalid,
    #[error("password shorter than {min} characters")]
    PasswordTooShort { min: usize },
    #[error("no role given")]
    RolesMissing,
    #[error("no ente with ISTAT code {istat}")]
    UnknownIstat { istat: String },
    #[error("{0}")]
    Role(sportello_domain::identity::RoleError),
    #[error("TOTP secret not Base32 of at least 80 bits")]
    TotpSecretInvalid,
    #[error("username {username} already exists")]
    UsernameTaken { username: String },
    #[error("{day}/{month} is not a day of the year")]
    NotADayOfTheYear { day: u8, month: u8 },
    #[error("{text} is not a date (YYYY-MM-DD)")]
    NotADate { text: String },
    // The ente's own pages.
    #[error("{field}: not an e-mail address")]
    EmailInvalid { field: String },
    #[error("{field}: not an https:// address")]
    AddressInvalid { field: String },
    #[error("{field}: over {max} characters")]
    PageTextTooLong { field: String, max: usize },
    #[error("line {line}: {problem:?}")]
    EmergencyRegister {
        line: usize,
        problem: EmergencyProblem,
    },
}

/// What is wrong with a line of an emergency register being imported (DPR 445/2000 art. 63).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmergencyProblem {
    /// The CSV itself cannot be read here (the reader's words).
    Unreadable(String),
    /// The first line is not the expected header.
    Header,
    /// A direction other than arrivo or partenza.
    Direction(String),
    /// Number, correspondent or subject missing.
    Required,
    /// Not an RFC 3339 date and time.
    DateTime(String),
    /// Not a SHA-256 in hexadecimal.
    Digest,
    /// This emergency number was imported before.
    AlreadyImported(String),
}

/// The texts the office writes with its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeText {
    Note,
    Message,
    DocumentsNeeded,
    ReasonsAgainst,
    Motivation,
    MeasuresRequired,
    /// The office's answer to a resident's comment.
    Answer,
}

impl Refusal {
    /// Whether the fault is in what was typed (shown again with it), not in the moment.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Refusal::CorrespondentAndSubjectRequired
                | Refusal::CorrespondentOrSubjectTooLong
                | Refusal::ChannelMissing
                | Refusal::ClassificationMissing
                | Refusal::FileTooLarge { .. }
                | Refusal::FileUnreadable { .. }
                | Refusal::DocumentMissing
                | Refusal::AnnulmentReasonMissing
                | Refusal::TextMissing(_)
                | Refusal::TextTooLong(_)
                | Refusal::RatingRefused(_)
                | Refusal::AssigneeUnknown
                | Refusal::AnswerEmpty
                | Refusal::AnswerTooLong
                | Refusal::TooManyAnswerFiles { .. }
                | Refusal::ApplicantMessageInvalid
                | Refusal::IdempotencyKeyReused
                | Refusal::AssistedCodeInvalid
                | Refusal::AssistedNameMissing
                | Refusal::MandateUnreadable
                | Refusal::UnknownOffice { .. }
                | Refusal::MemberUnknown
                | Refusal::OfficeNotChosen
                | Refusal::PaymentDataInvalid { .. }
                | Refusal::AlboFindingsUnconfirmed
                | Refusal::AlboAnnulmentUnconfirmed
                | Refusal::AlboReturnReasonMissing
                | Refusal::AlboExtractNotPdf
                | Refusal::AlboExtensionInvalid
                | Refusal::AlboBeyondTheLaw { .. }
                | Refusal::StatementInvalid
                | Refusal::UsernameInvalid
                | Refusal::PasswordTooShort { .. }
                | Refusal::RolesMissing
                | Refusal::UnknownIstat { .. }
                | Refusal::Role(_)
                | Refusal::TotpSecretInvalid
                | Refusal::UsernameTaken { .. }
                | Refusal::NotADayOfTheYear { .. }
                | Refusal::NotADate { .. }
                | Refusal::EmailInvalid { .. }
                | Refusal::AddressInvalid { .. }
                | Refusal::PageTextTooLong { .. }
                | Refusal::EmergencyRegister { .. }
        )
    }
}
