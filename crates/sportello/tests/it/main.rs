//! Sportello's HTTP integration tests: one binary, each test with its own server and database
//! (SQLite; PostgreSQL too when `SPORTELLO_TEST_POSTGRES` is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // Tests read the store behind the app (App::store) to check what use cases wrote, and make
    // ids a real caller could not, to knock on other tenants' doors.
    clippy::disallowed_methods
)]

mod accountability;
mod acting_for;
mod acts;
mod adoption;
mod albo;
mod api;
mod api_apply;
mod apply;
mod assisted;
mod at_most_once;
mod authz;
mod authz_cases;
mod authz_support;
mod before_body;
mod blobs_s3;
mod bookings;
mod casework;
mod catalogue;
mod citizen;
mod cli;
mod clickday;
mod ente_pages;
mod external_oidc;
mod fuzz;
mod jobs;
mod multi_process;
mod office;
mod opendata;
mod pagopa;
mod payments;
mod pb;
mod pb_cli;
mod pb_districts;
mod portal;
mod registry;
mod reports;
mod rogue_provider;
mod staff;
mod surface;
