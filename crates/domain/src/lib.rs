//! Sportello's domain: the values and rules of the product, with no I/O at all — no HTTP, no
//! SQL, no clock, no randomness. Functions take "now" and any random input as arguments and
//! return decisions. One folder per module.

pub mod accountability;
pub mod albo;
pub mod bookings;
pub mod calendar;
pub mod catalogue;
pub mod forms;
pub mod identity;
pub mod money;
pub mod opendata;
pub mod participation;
pub mod payments;
pub mod procedure;
pub mod protocol;
pub mod reports;
pub mod search;
pub mod stored;
pub mod tenancy;

pub use italian_ids::{CodiceFiscale, PartitaIva};
pub use money::Money;
