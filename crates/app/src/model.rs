//! The read models the app publishes: the rows its use cases answer with, named here so that
//! the web can name them without depending on the store. Nothing here reads or writes: the
//! store's queries are reachable only through use cases (`App::store` is refused to the web by
//! `clippy.toml`). Pages turn these into their own view structs where they need more than plain
//! fields (dates in words, labels through the message catalogue).

pub use sportello_store::{
    from_millis, to_millis, AlboEntryRow, AlboEventRow, AlboQuery, CreditorRow, DailyRegisterRow,
    EnteProfileRow, EnteRow, FileRow, OfficeDetails, OfficeRow, PaymentLineRow, PbCommentRow,
    PbDistrictRow, PbProcessRow, PoolStats, RatingRow, RegistryRow, RegistrySearch, RouteRow,
};
