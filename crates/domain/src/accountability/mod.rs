//! Accountability (issue 19): how long cases really take against their legal terms (Law 241/1990
//! art. 2 c.4-bis asks that the actual times be published), where each service stands on the
//! plans' ladder of digital maturity, and what residents say of a page or a service. Pure: the
//! store keeps the counts, this module says what a case adds to them and what they mean.

pub mod rating;
pub mod times;

pub use times::{
    case_time, maturity, median, month_key, month_of_key, quantile, CaseTime, Channel, Maturity,
    MonthCounts,
};
