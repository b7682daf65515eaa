//! The application's rooms. Each capability's use cases hang off a small handle borrowed from
//! [`App`], so a reader who finds a room in ARCHITECTURE.md finds its door here, and the next
//! capability (payments, the albo pretorio, reports) adds one handle and one module instead of
//! thirty more methods in a single namespace:
//!
//! | handle | module | what it does |
//! | --- | --- | --- |
//! | [`App::applications`] | `applications` | drafts, filing, the applicant's case, answers |
//! | [`App::catalogue`] | `applications`, `adoption` | the service catalogue and its adoption by enti |
//! | [`App::registry`] | `registry`, `daily_register`, `protocol` | the protocol register (DPR 445/2000) |
//! | [`App::back_office`] | `back_office` | the office's queue, cases, acts and documents |
//! | [`App::participation`] | `pb` | participatory budgets |
//! | [`App::payments`] | `payments` | pagoPA debt positions, notices, the debt file |
//! | [`App::albo`] | `albo` | the albo pretorio: requests, publication, the board, the chain |
//! | [`App::open_data_catalogue`] | `opendata` | DCAT-AP_IT catalogues, datasets, distributions |
//! | [`App::reports`] | `reports` | segnalazioni: routing, timeline, supports, Open311 |
//! | [`App::bookings`] | `bookings` | prenotazioni: calendars, slots, the office's day |
//! | [`App::accountability`] | `accountability` | times against legal terms, ratings, answers |
//! | [`App::identity`] | `sessions`, `staff`, `oidc`, `demo_idp` | sign-in, sessions, CSRF, staff |
//!
//! What every room needs stays on [`App`] itself: the clock, the enti (tenancy), the seal, the
//! scheduled jobs.

use crate::App;

macro_rules! capability {
    ($(#[$doc:meta])* $ty:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $ty<'a> {
            pub(crate) app: &'a App,
        }

        impl App {
            $(#[$doc])*
            pub fn $method(&self) -> $ty<'_> {
                $ty { app: self }
            }
        }
    };
}

capability!(
    /// Applications: a citizen's drafts, filing, the case as the applicant sees it, answers.
    Applications,
    applications
);
capability!(
    /// The catalogue: the region's services and each ente's adoption of them.
    Catalogue,
    catalogue
);
capability!(
    /// The protocol register: search, entries, annulment, daily registers, verification.
    Registry,
    registry
);
capability!(
    /// The back office: queues, cases, acts, documents and workload.
    BackOffice,
    back_office
);
capability!(
    /// Participatory budgets: processes, proposals, debate, ballots and results.
    Participation,
    participation
);
capability!(
    /// Identity: sign-in (SPID/CIE via OpenID Connect), sessions, CSRF, staff accounts.
    Identity,
    identity
);
capability!(
    /// Payments: the ente's creditor data, debt positions, payment notices, the debt file.
    Payments,
    payments
);
capability!(
    /// Reports (segnalazioni): filing, routing, the public timeline, the office's desk, Open311.
    Reports,
    reports
);
capability!(
    /// Bookings (prenotazioni): calendars, drafts, confirmations, the office's day.
    Bookings,
    bookings
);
capability!(
    /// The albo pretorio: publication requests, publication, annulment, the public board.
    Albo,
    albo
);
capability!(
    /// Open data: the DCAT-AP_IT catalogues, the datasets and their distributions.
    OpenData,
    open_data_catalogue
);
capability!(
    /// Accountability: the times dashboards, residents' ratings, the office's answers.
    Accountability,
    accountability
);
