//! Sportello's use cases. Each one loads what it needs from the store, asks the domain for a
//! decision, and saves the result in one transaction. This crate also holds the adapters to
//! the outside that use cases need: the clock, randomness, the OpenID Connect client.
//! It knows nothing of HTTP serving or HTML.

pub mod accountability;
pub mod acts;
mod adoption;
pub mod albo;
mod app;
pub mod applications;
pub mod back_office;
pub mod blobs;
pub mod bookings;
pub mod capabilities;
mod cases;
pub use cases::RelatedCase;
pub mod catalogue;
pub mod crypto;
pub mod daily_register;
pub mod demo;
pub mod demo_idp;
mod demo_month;
pub mod ente_pages;
mod error;
mod hot;
pub mod jobs;
pub mod mail;
pub mod model;
pub mod oidc;
pub mod opendata;
pub mod pagopa;
pub mod payments;
pub mod payments_import;
mod payments_office;
pub mod pb;
pub mod pdf;
pub mod protocol;
pub mod reconciliation;
mod registrar;
pub mod registry;
pub mod reports;
pub mod s3;
pub mod sessions;
pub mod spontaneous;
pub mod staff;
pub mod tenancy;

pub use adoption::may_administer;
pub use app::{
    App, AppSettings, ClientAuth, Clock, OidcProviderSettings, PagoPaSettings, PasswordCost,
};
pub use error::{AppError, EmergencyProblem, OfficeText, Refusal};
pub use registrar::RegistrarLoad;
