//! Sportello's storage: the only crate that knows SQL. One set of queries runs on SQLite and
//! PostgreSQL through sqlx's `Any` driver; the few dialect differences live in `dialect.rs`.
//! Ente-owned rows are reachable only through [`TenantStore`], which carries the ente's id
//! into every query.

// The store is where an `EnteId` is made from a number (see `EnteId::from_stored`).
#![allow(clippy::disallowed_methods)]

mod accountability;
mod acts;
mod albo;
mod applications;
mod back_office;
mod bookings;
mod bulk;
mod cases;
mod codes;
mod db;
mod dialect;
mod direct;
mod filing;
mod identity;
mod jobs;
mod pagopa;
mod payments;
mod pb;
mod pb_debate;
mod protocol;
mod reconciliation;
mod registry;
mod reports;
mod tenancy;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bookings;
#[cfg(test)]
mod tests_cases;
#[cfg(test)]
mod tests_payments;
#[cfg(test)]
mod tests_pb;
#[cfg(test)]
mod tests_reports;
#[cfg(test)]
mod tests_schema;
#[cfg(test)]
mod tests_times;
mod words;

pub use accountability::{
    CaseMonthRow, Conclusion, FilingCount, NewRating, OpenDataDates, RatingRow, TimeCounts,
};
pub use acts::ActTextRow;
pub use albo::{
    AlboEntryRow, AlboEventRow, AlboOwnType, AlboPublication, AlboQuery, BulkAlboAct,
    NewAlboRequest,
};
pub use applications::{
    AdoptedServiceRow, ApplicationRow, ArrivalRow, FileRow, MyApplicationRow, NewApplication,
    PartRow, RankedFiling, RankingRow, ServiceRow,
};
pub use back_office::{CaseDocumentRow, CaseHeadRow, CaseMessageRow, CaseNoteRow, OpenCaseRow};
pub use bookings::{
    BookingMove, BookingRow, CalendarRow, CalendarSave, DayLine, Holder, Mail, SlotClaim, Taken,
    WaitRow,
};
pub use bulk::{BulkFiling, BulkHead};
pub use cases::{
    AssigneeFilter, CaseEventRow, KeptTermRow, QueueCounts, QueueFacet, QueueFilter, QueueRow,
    QueueSearch, SampleGroup, TermView,
};
pub use db::{Backend, PoolStats, Store, StoreError, Tx};
pub use filing::{ChainedRegistration, FiledApplication, NewCaseEvent, PriorApplication};
pub use identity::{
    AssistedUseRow, IdpCode, NewAssistedUse, NewIdpCode, NewOidcFlow, NewStaffUser, OidcFlow,
    SessionKind, SessionRow, StaffUserRow,
};
pub use jobs::OutboxRow;
pub use pagopa::{
    AnomalyRow, PublicationRow, ReceiptRecorded, ReceiptRow, ANOMALY_AMOUNT_MISMATCH,
    ANOMALY_NEGATIVE_OUTCOME, ANOMALY_NOT_PAYABLE, ANOMALY_PAID_TWICE, ANOMALY_UNKNOWN_NOTICE,
};
pub use payments::{
    BulkPositions, CreditorRow, NewOption, NewPosition, OptionRow, PaymentLineRow, PositionRow,
    TransferRow, Written,
};
pub use pb::{
    NewPbBallot, PbBallotRow, PbDistrictRow, PbPhaseRow, PbProcessRow, PbProjectRow, VoteToSeal,
};
pub use pb_debate::{PbCommentRow, PbImageRow};
pub use protocol::{NewRegistration, RegistrationRow};
pub use reconciliation::{
    AccountingRow, CreditRow, CreditsRecorded, FlowPayment, FlowRecorded, FlowRow, NewCredit,
    NewFlow, UnreceivedPayment,
};
pub use registry::{Authorisation, DailyRegisterRow, RegistryRow, RegistrySearch, RouteRow};
pub use reports::{
    Moved, NewReport, Open311KeyRow, PendingReport, PendingReportRow, ReportAfter,
    ReportCategoryRow, ReportDistrictRow, ReportEventRow, ReportMove, ReportOrder, ReportPhotoRow,
    ReportQuery, ReportRow,
};
pub use tenancy::{
    EnteProfileRow, EnteRow, ImportOutcome, OfficeDetails, OfficeRow, RegionWide, TenantStore,
    TenantTx, DEFAULT_OFFICES,
};
pub use words::words as correspondent_words;

/// Milliseconds since the unix epoch, the storage form of every instant.
pub fn to_millis(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub fn from_millis(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
