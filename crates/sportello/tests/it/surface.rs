//! The adversarial walk over the server's whole surface, generated from the router: every path
//! template the server routes ([`sportello_web::routes::paths`]) must have a rule here saying who
//! may use it, so a route added without one fails this test. For each route and method, every
//! kind of visitor — nobody, the applicant, another citizen, each staff role of the applicant's
//! ente, staff of another ente — gets the status the rule expects, and nobody outside the rule
//! reads the applicant's data. Every state-changing route is refused **before its body is read**
//! when it comes from another site, carries a forged token, or comes from anyone the route does
//! not serve (the wrong person, role, ente or application): the request declares a 10 MB body
//! and sends a few bytes of it, so an answer can only come if the server decided without it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use sportello_app::demo::DEMO_STAFF_PASSWORD;
use sportello_app::staff::NewStaff;
use sportello_domain::identity::Role;
use sportello_testkit::{client_with_jar, cookie_header, csrf_of, demo_sign_in, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::authz_support::staff_login;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Nobody,
    Owner,
    OtherCitizen,
    Operator,
    RegistryClerk,
    ResponsibleOfficer,
    Paas,
    EnteAdmin,
    RegionAdmin,
    /// An operator of another ente (Firenze).
    OtherEnte,
    /// Livorno's publication officer (albo pretorio).
    AlboOfficer,
    /// The applicant himself, in an assisted session opened at Livorno's PAAS desk after his
    /// rows were made: none of them is within its reach.
    Assisted,
}

const EVERYONE: [Who; 12] = [
    Who::Nobody,
    Who::Owner,
    Who::OtherCitizen,
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::Paas,
    Who::EnteAdmin,
    Who::RegionAdmin,
    Who::OtherEnte,
    Who::Assisted,
    Who::AlboOfficer,
];

fn is_citizen(who: Who) -> bool {
    matches!(who, Who::Owner | Who::OtherCitizen | Who::Assisted)
}

fn is_staff(who: Who) -> bool {
    !matches!(
        who,
        Who::Nobody | Who::Owner | Who::OtherCitizen | Who::Assisted
    )
}

/// Who may use a route, and what the others get.
#[derive(Clone, Copy, Debug)]
enum Gate {
    /// Anyone.
    Public,
    /// Any signed-in citizen; everyone else is sent to sign in as one.
    Citizen,
    /// The personal area: a citizen's; staff are sent to their desk; nobody to sign in.
    PersonalArea,
    /// A back-channel endpoint called by a relying party with its client credentials, never
    /// by a browser: 401 without them, whoever's cookies come along.
    BackChannel,
    /// The applicant alone; another citizen finds nothing; everyone else is sent to sign in.
    Owner,
    /// The debtor of a notice still to be paid: the applicant, also through the desk (PAAS) of
    /// the notice's ente, which prints or pays it; another citizen finds nothing; everyone
    /// else is sent to sign in.
    Debtor,
    /// Staff with these roles (of the applicant's ente when the path names a row of it: staff
    /// of another ente find nothing); other staff get `refused`; others go to the staff sign-in.
    Staff(&'static [Who], u16),
    /// A route of a connection the test server does not have (pagoPA's node): 404 for all.
    Unconnected,
    /// The API for a signed-in citizen: 401 for anyone else.
    ApiCitizen,
    /// The API on the applicant's own application: another citizen finds nothing; 401 for others.
    ApiOwner,
    /// Open311's filing: a civic app's key, which no visitor has (403 for all, before the
    /// body is read; a body declared larger than a report is refused unread with 413).
    ApiKey,
}

/// The case office: every role that works on cases. The PAAS desk and the region's
/// administrator have no case work and find nothing.
const CASE_OFFICE: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];
const ANY_STAFF: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::Paas,
    Who::EnteAdmin,
    Who::RegionAdmin,
    Who::OtherEnte,
    Who::AlboOfficer,
];
const REGISTRY: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];
const CLERK: &[Who] = &[Who::RegistryClerk];
/// Who acts on cases (and closes payments' anomalies).
const CASE_WORKERS: &[Who] = &[Who::Operator, Who::ResponsibleOfficer, Who::OtherEnte];
const PAAS: &[Who] = &[Who::Paas];
const ADMINS: &[Who] = &[Who::EnteAdmin, Who::RegionAdmin];
const PB_OFFICE: &[Who] = &[Who::Operator, Who::EnteAdmin, Who::OtherEnte];
const ENTE_ADMIN: &[Who] = &[Who::EnteAdmin];
/// Who runs the day of booking calendars.
const BOOKINGS: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];
/// Who handles residents' reports.
const REPORTS: &[Who] = &[
    Who::Operator,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];
/// The albo's desk: who asks to publish (offices, the clerk, the administrator) and who
/// publishes.
const ALBO_DESK: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
    Who::AlboOfficer,
];
const ALBO_ASKS: &[Who] = &[
    Who::Operator,
    Who::RegistryClerk,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];
const ALBO_PUBLISHES: &[Who] = &[Who::AlboOfficer];
const ALBO_CONFIGURES: &[Who] = &[Who::AlboOfficer, Who::EnteAdmin];
/// Who reads and answers residents' ratings: operators, officers, the ente's administrator.
const FEEDBACK: &[Who] = &[
    Who::Operator,
    Who::ResponsibleOfficer,
    Who::EnteAdmin,
    Who::OtherEnte,
];

/// One route: its template (as routed), a sample address (`FILED`, `DRAFT`, `DOC`, `REG` are
/// the applicant's rows), and the gate of each method it answers.
struct Rule {
    template: &'static str,
    sample: &'static str,
    get: Option<Gate>,
    post: Option<Gate>,
}

const fn rule(
    template: &'static str,
    sample: &'static str,
    get: Option<Gate>,
    post: Option<Gate>,
) -> Rule {
    Rule {
        template,
        sample,
        get,
        post,
    }
}

use Gate::*;

const fn staff(roles: &'static [Who], refused: u16) -> Option<Gate> {
    Some(Staff(roles, refused))
}

#[rustfmt::skip]
const RULES: &[Rule] = &[
    // The region's portal, sign-in, the personal area.
    rule("/", "/", Some(Public), None),
    rule("/lingua", "/lingua?l=en&torna=/", Some(Public), None),
    rule("/accedi", "/accedi", Some(Public), None),
    rule("/accedi/callback", "/accedi/callback?state=x&code=y", Some(Public), None),
    rule("/accedi/{provider}", "/accedi/demo?torna=/", Some(Public), None),
    rule("/area-personale", "/area-personale", Some(PersonalArea), None),
    rule("/area-personale/pagamenti", "/area-personale/pagamenti", Some(PersonalArea), None),
    rule("/{slug}/domande/{id}/pagamento", "/livorno/domande/FILED/pagamento", None, Some(Owner)),
    rule("/{slug}/pagamenti/{notice}/avviso.pdf", "/livorno/pagamenti/NOTICE/avviso.pdf", Some(Debtor), None),
    rule("/staff/ente/pagamenti", "/staff/ente/pagamenti", None, staff(ENTE_ADMIN, 403)),
    rule("/staff/pagamenti", "/staff/pagamenti", staff(CASE_OFFICE, 404), None),
    rule("/staff/pagamenti.csv", "/staff/pagamenti.csv", staff(CASE_OFFICE, 404), None),
    rule("/staff/pagamenti/riconciliazione", "/staff/pagamenti/riconciliazione", staff(CASE_OFFICE, 404), None),
    rule("/staff/pagamenti/contabilita.csv", "/staff/pagamenti/contabilita.csv", staff(CASE_OFFICE, 404), None),
    rule("/staff/pagamenti/estratto-conto", "/staff/pagamenti/estratto-conto", None, staff(CASE_WORKERS, 403)),
    rule("/staff/pagamenti/emissione", "/staff/pagamenti/emissione", staff(CASE_WORKERS, 403), staff(CASE_WORKERS, 403)),
    rule("/staff/pagamenti/importazione", "/staff/pagamenti/importazione", None, staff(CASE_WORKERS, 403)),
    rule("/staff/pagamenti/lotti/{batch}/avvisi.csv", "/staff/pagamenti/lotti/2026-12-06-x/avvisi.csv", staff(CASE_OFFICE, 404), None),
    rule("/staff/pagamenti/posizioni/{iupd}/annulla", "/staff/pagamenti/posizioni/SPT-x/annulla", staff(CASE_WORKERS, 403), staff(CASE_WORKERS, 403)),
    rule("/staff/pagamenti/anomalie/{id}", "/staff/pagamenti/anomalie/1", None, staff(CASE_WORKERS, 403)),
    rule("/{slug}/pagamenti/{notice}/paga", "/livorno/pagamenti/NOTICE/paga", None, Some(Debtor)),
    rule("/{slug}/pagamenti", "/livorno/pagamenti", Some(Public), None),
    rule("/{slug}/pagamenti/{notice}/annulla", "/livorno/pagamenti/NOTICE/annulla", None, Some(Debtor)),
    rule("/{slug}/pagamenti/nuovo/{kind}", "/livorno/pagamenti/nuovo/ricarica-mensa", Some(Public), Some(Citizen)),
    rule("/area-personale/pagamenti/nuovo", "/area-personale/pagamenti/nuovo?comune=livorno", Some(Public), None),
    rule("/demo-pagopa/{slug}/{notice}", "/demo-pagopa/livorno/NOTICE", Some(Owner), Some(Owner)),
    rule("/{slug}/pagamenti/{notice}/ricevuta.pdf", "/livorno/pagamenti/NOTICE/ricevuta.pdf", Some(Owner), None),
    // pagoPA's node sending receipts: a station not connected to pagoPA has no such route.
    rule("/pagopa/paForNode", "/pagopa/paForNode", None, Some(Unconnected)),
    rule("/esci", "/esci", None, Some(Public)),
    // Accountability: times against the legal terms, ratings, the office's answers.
    rule("/{slug}/trasparenza/tempi", "/livorno/trasparenza/tempi?da=2026-01&a=2026-12", Some(Public), None),
    rule("/trasparenza/tempi", "/trasparenza/tempi", Some(Public), None),
    rule("/{slug}/trasparenza/avete-detto", "/livorno/trasparenza/avete-detto", Some(Public), None),
    rule("/{slug}/valutazione", "/livorno/valutazione", None, Some(Public)),
    rule("/dati", "/dati", Some(Public), None),
    rule("/dati/{name}", "/dati/tempi-procedimenti.csv", Some(Public), None),
    rule("/{slug}/dati", "/livorno/dati", Some(Public), None),
    rule("/{slug}/dati/{name}", "/livorno/dati/valutazioni.json", Some(Public), None),
    rule("/api/3/action/{action}", "/api/3/action/package_list", Some(Public), Some(Public)),
    rule("/api/action/{action}", "/api/action/status_show", Some(Public), Some(Public)),
    rule("/staff/valutazioni", "/staff/valutazioni", staff(FEEDBACK, 403), None),
    rule("/staff/valutazioni/{id}/risposta", "/staff/valutazioni/1/risposta", None, staff(FEEDBACK, 403)),
    // The albo pretorio: the public board, its feeds; the office's desk.
    rule("/{slug}/albo", "/livorno/albo?q=scuola", Some(Public), None),
    rule("/{slug}/albo/storico", "/livorno/albo/storico", Some(Public), None),
    rule("/{slug}/albo/verifica", "/livorno/albo/verifica?impronta=00", Some(Public), None),
    rule("/{slug}/albo/feed.xml", "/livorno/albo/feed.xml", Some(Public), None),
    rule("/{slug}/albo/{year}/{number}", "/livorno/albo/2026/0001", Some(Public), None),
    rule("/{slug}/albo/{year}/{number}/documenti/{which}", "/livorno/albo/2026/0001/documenti/0", Some(Public), None),
    rule("/albo/feed.xml", "/albo/feed.xml", Some(Public), None),
    rule("/staff/albo", "/staff/albo", staff(ALBO_DESK, 403), None),
    rule("/staff/albo/nuova", "/staff/albo/nuova", staff(ALBO_ASKS, 403), staff(ALBO_ASKS, 403)),
    rule("/staff/albo/periodi", "/staff/albo/periodi", staff(ALBO_CONFIGURES, 403), staff(ALBO_CONFIGURES, 403)),
    rule("/staff/albo/tipi", "/staff/albo/tipi", None, staff(ALBO_CONFIGURES, 403)),
    rule("/staff/albo/{id}", "/staff/albo/ALBO", staff(ALBO_DESK, 403), None),
    rule("/staff/albo/{id}/documenti/{which}", "/staff/albo/ALBO/documenti/atto", staff(ALBO_DESK, 403), None),
    rule("/staff/albo/{id}/pubblica", "/staff/albo/ALBO/pubblica", None, staff(ALBO_PUBLISHES, 403)),
    rule("/staff/albo/{id}/annulla", "/staff/albo/ALBO/annulla", None, staff(ALBO_PUBLISHES, 403)),
    rule("/staff/albo/{id}/restituisci", "/staff/albo/ALBO/restituisci", None, staff(ALBO_PUBLISHES, 403)),
    rule("/staff/albo/{id}/proroga", "/staff/albo/ALBO/proroga", None, staff(ALBO_PUBLISHES, 403)),
    // The demo identity provider (a provider's endpoints: anyone).
    rule("/demo-idp/.well-known/openid-configuration", "/demo-idp/.well-known/openid-configuration", Some(Public), None),
    rule("/demo-idp/jwks", "/demo-idp/jwks", Some(Public), None),
    rule("/demo-idp/authorize", "/demo-idp/authorize", Some(Public), Some(Public)),
    rule("/demo-idp/token", "/demo-idp/token", None, Some(BackChannel)),
    // The office.
    rule("/staff", "/staff", Some(Public), None),
    rule("/staff/", "/staff/", staff(ANY_STAFF, 403), None),
    rule("/staff/accedi", "/staff/accedi", Some(Public), Some(Public)),
    rule("/staff/pratiche", "/staff/pratiche", staff(CASE_OFFICE, 404), None),
    rule("/staff/pratiche/{id}", "/staff/pratiche/FILED", staff(CASE_OFFICE, 404), None),
    rule("/staff/graduatoria/{service}", "/staff/graduatoria/occupazione-suolo-pubblico", staff(CASE_OFFICE, 404), None),
    rule("/staff/graduatoria/{service}/approva", "/staff/graduatoria/occupazione-suolo-pubblico/approva", None, staff(&[Who::ResponsibleOfficer], 403)),
    rule("/staff/pratiche/{id}/azioni", "/staff/pratiche/FILED/azioni", None, staff(CASE_OFFICE, 404)),
    rule("/staff/pratiche/{id}/allegati/{field}", "/staff/pratiche/FILED/allegati/planimetria", staff(CASE_OFFICE, 404), None),
    rule("/staff/pratiche/{id}/documenti/{doc}", "/staff/pratiche/FILED/documenti/DOC", staff(CASE_OFFICE, 404), None),
    rule("/staff/pratiche/{id}/documenti/{doc}/segnatura.xml", "/staff/pratiche/FILED/documenti/DOC/segnatura.xml", staff(CASE_OFFICE, 404), None),
    rule("/protocollo/sigillo.pem", "/protocollo/sigillo.pem", Some(Public), None),
    rule("/staff/protocollo", "/staff/protocollo", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/nuova", "/staff/protocollo/nuova", staff(CLERK, 403), staff(CLERK, 403)),
    rule("/staff/protocollo/{id}", "/staff/protocollo/REG", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/{id}/documento", "/staff/protocollo/REG/documento", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/{id}/allegati/{n}", "/staff/protocollo/REG/allegati/1", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/{id}/segnatura.xml", "/staff/protocollo/REG/segnatura.xml", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/{id}/annulla", "/staff/protocollo/REG/annulla", None, staff(REGISTRY, 404)),
    rule("/staff/protocollo/{id}/autorizza", "/staff/protocollo/REG/autorizza", None, staff(REGISTRY, 404)),
    rule("/staff/protocollo/{id}/smista", "/staff/protocollo/REG/smista", None, staff(REGISTRY, 404)),
    rule("/staff/protocollo/{id}/presa-in-carico", "/staff/protocollo/REG/presa-in-carico", None, staff(REGISTRY, 404)),
    rule("/staff/protocollo/{id}/ricevuta.pdf", "/staff/protocollo/REG/ricevuta.pdf", staff(REGISTRY, 404), None),
    rule("/staff/protocollo/giornaliero/{file}", "/staff/protocollo/giornaliero/2026-01-01.xml", staff(REGISTRY, 404), None),
    rule("/staff/assistenza", "/staff/assistenza", staff(PAAS, 403), staff(PAAS, 403)),
    rule("/staff/servizi", "/staff/servizi", staff(ADMINS, 403), None),
    rule("/staff/servizi/{id}", "/staff/servizi/occupazione-suolo-pubblico", staff(ADMINS, 403), staff(ADMINS, 403)),
    rule("/staff/atti", "/staff/atti", staff(ADMINS, 403), None),
    rule("/staff/atti/{kind}", "/staff/atti/avvio", staff(ADMINS, 403), staff(ADMINS, 403)),
    rule("/staff/bilancio-partecipativo", "/staff/bilancio-partecipativo", staff(PB_OFFICE, 403), staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}", "/staff/bilancio-partecipativo/bp-prova", staff(PB_OFFICE, 403), None),
    rule("/staff/bilancio-partecipativo/{process}/progetti/{project}", "/staff/bilancio-partecipativo/bp-prova/progetti/1", None, staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}/commenti/{comment}", "/staff/bilancio-partecipativo/bp-prova/commenti/1", None, staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}/facilitatori", "/staff/bilancio-partecipativo/bp-prova/facilitatori", None, staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}/progetti/{project}/realizzazione", "/staff/bilancio-partecipativo/bp-prova/progetti/1/realizzazione", None, staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}/fasi", "/staff/bilancio-partecipativo/bp-prova/fasi", None, staff(PB_OFFICE, 403)),
    rule("/staff/bilancio-partecipativo/{process}/aventi-diritto", "/staff/bilancio-partecipativo/bp-prova/aventi-diritto", None, staff(PB_OFFICE, 403)),
    // Bookings (prenotazioni): the resident's flow, the e-mail's link, the office's day, the
    // administrator's calendars.
    rule("/{slug}/prenotazioni", "/livorno/prenotazioni", Some(Public), None),
    rule("/{slug}/prenotazioni/luogo/{code}", "/livorno/prenotazioni/luogo/sala", Some(Public), Some(Citizen)),
    rule("/{slug}/prenotazioni/luogo/{code}/attesa", "/livorno/prenotazioni/luogo/sala/attesa", None, Some(Citizen)),
    rule("/{slug}/prenotazioni/attesa/{id}/lascia", "/livorno/prenotazioni/attesa/1/lascia", None, Some(Citizen)),
    rule("/{slug}/prenotazioni/bozza/{id}/{step}", "/livorno/prenotazioni/bozza/BOOKING/dettagli", Some(Citizen), Some(Citizen)),
    rule("/{slug}/prenotazioni/appuntamento/{id}", "/livorno/prenotazioni/appuntamento/BOOKING", Some(Citizen), None),
    rule("/{slug}/prenotazioni/appuntamento/{id}/invito.ics", "/livorno/prenotazioni/appuntamento/BOOKING/invito.ics", Some(Citizen), None),
    rule("/{slug}/prenotazioni/appuntamento/{id}/annulla", "/livorno/prenotazioni/appuntamento/BOOKING/annulla", Some(Citizen), Some(Citizen)),
    rule("/{slug}/prenotazioni/appuntamento/{id}/sposta", "/livorno/prenotazioni/appuntamento/BOOKING/sposta", Some(Citizen), Some(Citizen)),
    rule("/{slug}/prenotazioni/gestisci/{token}", "/livorno/prenotazioni/gestisci/nessuno", Some(Public), None),
    rule("/{slug}/prenotazioni/gestisci/{token}/annulla", "/livorno/prenotazioni/gestisci/nessuno/annulla", Some(Public), Some(Public)),
    rule("/{slug}/prenotazioni/gestisci/{token}/sposta", "/livorno/prenotazioni/gestisci/nessuno/sposta", Some(Public), Some(Public)),
    rule("/staff/prenotazioni", "/staff/prenotazioni", staff(BOOKINGS, 403), None),
    rule("/staff/prenotazioni/accesso", "/staff/prenotazioni/accesso", None, staff(BOOKINGS, 403)),
    rule("/staff/prenotazioni/calendari", "/staff/prenotazioni/calendari", staff(ENTE_ADMIN, 403), staff(ENTE_ADMIN, 403)),
    rule("/staff/prenotazioni/{id}/azioni", "/staff/prenotazioni/BOOKING/azioni", None, staff(BOOKINGS, 403)),
    rule("/staff/prenotazioni/{id}/pratica", "/staff/prenotazioni/BOOKING/pratica", None, staff(BOOKINGS, 403)),
    // Reports (segnalazioni): the public side, the office's desk, the administrator's setup.
    rule("/{slug}/segnalazioni", "/livorno/segnalazioni?stato=aperte", Some(Public), None),
    rule("/{slug}/segnalazioni/nuova", "/livorno/segnalazioni/nuova", Some(Public), Some(Citizen)),
    rule("/{slug}/segnalazioni/quartieri", "/livorno/segnalazioni/quartieri", Some(Public), None),
    rule("/{slug}/segnalazioni/{year}/{number}", "/livorno/segnalazioni/REPORT", Some(Public), None),
    rule("/{slug}/segnalazioni/{year}/{number}/foto/{position}", "/livorno/segnalazioni/REPORT/foto/1", Some(Public), None),
    rule("/{slug}/segnalazioni/nuova/email", "/livorno/segnalazioni/nuova/email", None, Some(Public)),
    rule("/{slug}/segnalazioni/conferma/{token}", "/livorno/segnalazioni/conferma/nessuno", Some(Public), Some(Public)),
    rule("/{slug}/segnalazioni/risposta/{secret}", "/livorno/segnalazioni/risposta/nessuno", Some(Public), Some(Public)),
    rule("/{slug}/segnalazioni/{year}/{number}/sostegno", "/livorno/segnalazioni/REPORT/sostegno", None, Some(Citizen)),
    rule("/{slug}/segnalazioni/{year}/{number}/esito", "/livorno/segnalazioni/REPORT/esito", None, Some(Citizen)),
    rule("/staff/segnalazioni", "/staff/segnalazioni", staff(REPORTS, 403), None),
    rule("/staff/segnalazioni/{year}/{number}", "/staff/segnalazioni/REPORT", staff(REPORTS, 403), None),
    rule("/staff/segnalazioni/{year}/{number}/azioni", "/staff/segnalazioni/REPORT/azioni", None, staff(REPORTS, 403)),
    rule("/staff/segnalazioni/{year}/{number}/foto/{position}", "/staff/segnalazioni/REPORT/foto/1", None, staff(REPORTS, 403)),
    rule("/staff/segnalazioni/impostazioni", "/staff/segnalazioni/impostazioni", staff(ENTE_ADMIN, 403), None),
    rule("/staff/segnalazioni/categorie", "/staff/segnalazioni/categorie", None, staff(ENTE_ADMIN, 403)),
    rule("/staff/segnalazioni/quartieri", "/staff/segnalazioni/quartieri", None, staff(ENTE_ADMIN, 403)),
    rule("/staff/segnalazioni/chiavi", "/staff/segnalazioni/chiavi", None, staff(ENTE_ADMIN, 403)),
    rule("/staff/segnalazioni/chiavi/{id}/revoca", "/staff/segnalazioni/chiavi/1/revoca", None, staff(ENTE_ADMIN, 403)),
    // Open311 GeoReport v2: reads are public; a report is filed with a civic app's key, which
    // no visitor here has.
    rule("/open311/v2/{file}", "/open311/v2/requests.json?jurisdiction_id=livorno", Some(Public), Some(ApiKey)),
    rule("/open311/v2/services/{file}", "/open311/v2/services/strade.xml?jurisdiction_id=049009", Some(Public), None),
    rule("/open311/v2/requests/{file}", "/open311/v2/requests/REPORT-ID.json?jurisdiction_id=livorno", Some(Public), None),
    rule("/open311/v2/request/{file}", "/open311/v2/request/REPORT-ID.xml?jurisdiction_id=livorno", Some(Public), None),
    rule("/open311/v2/tokens/{file}", "/open311/v2/tokens/nessuno.json?jurisdiction_id=livorno", Some(Public), None),
    // A municipality's pages and participatory budgets.
    rule("/{slug}", "/livorno", Some(Public), None),
    rule("/{slug}/", "/livorno/", Some(Public), None),
    rule("/{slug}/bilancio-partecipativo", "/livorno/bilancio-partecipativo", Some(Public), None),
    rule("/{slug}/bilancio-partecipativo/{process}", "/livorno/bilancio-partecipativo/bp-prova", Some(Public), None),
    rule("/{slug}/bilancio-partecipativo/{process}/proponi", "/livorno/bilancio-partecipativo/bp-prova/proponi", Some(Citizen), Some(Citizen)),
    rule("/{slug}/bilancio-partecipativo/{process}/vota", "/livorno/bilancio-partecipativo/bp-prova/vota", Some(Citizen), Some(Citizen)),
    rule("/{slug}/bilancio-partecipativo/{process}/risultati", "/livorno/bilancio-partecipativo/bp-prova/risultati", Some(Public), None),
    rule("/{slug}/bilancio-partecipativo/{process}/progetti/{number}", "/livorno/bilancio-partecipativo/bp-prova/progetti/1", Some(Public), Some(Citizen)),
    rule("/{slug}/bilancio-partecipativo/{process}/progetti/{number}/segnala/{comment}", "/livorno/bilancio-partecipativo/bp-prova/progetti/1/segnala/1", None, Some(Citizen)),
    rule("/{slug}/bilancio-partecipativo/{process}/progetti/{number}/immagini/{position}", "/livorno/bilancio-partecipativo/bp-prova/progetti/1/immagini/1", Some(Public), None),
    rule("/{slug}/bilancio-partecipativo/{process}/dati/{file}", "/livorno/bilancio-partecipativo/bp-prova/dati/progetti.csv", Some(Public), None),
    rule("/staff/ente", "/staff/ente", staff(ENTE_ADMIN, 403), staff(ENTE_ADMIN, 403)),
    rule("/staff/ente/uffici/{code}", "/staff/ente/uffici/URP", staff(ENTE_ADMIN, 403), staff(ENTE_ADMIN, 403)),
    rule("/staff/ente/uffici/{code}/persone", "/staff/ente/uffici/URP/persone", None, staff(ENTE_ADMIN, 403)),
    rule("/{slug}/contatti", "/livorno/contatti", Some(Public), None),
    rule("/{slug}/cerca", "/livorno/cerca?q=trasloco", Some(Public), None),
    rule("/{slug}/uffici/{code}", "/livorno/uffici/URP", Some(Public), None),
    rule("/{slug}/privacy", "/livorno/privacy", Some(Public), None),
    rule("/{slug}/cookie", "/livorno/cookie", Some(Public), None),
    rule("/{slug}/accessibilita", "/livorno/accessibilita", Some(Public), None),
    rule("/{slug}/note-legali", "/livorno/note-legali", Some(Public), None),
    rule("/{slug}/servizi/{id}/privacy", "/livorno/servizi/occupazione-suolo-pubblico/privacy", Some(Public), None),
    rule("/{slug}/graduatorie/{id}", "/livorno/graduatorie/iscrizione-asilo-nido", Some(Public), None),
    rule("/{slug}/servizi", "/livorno/servizi", Some(Public), None),
    rule("/{slug}/servizi/{id}", "/livorno/servizi/occupazione-suolo-pubblico", Some(Public), None),
    rule("/{slug}/servizi/{id}/domanda", "/livorno/servizi/occupazione-suolo-pubblico/domanda", None, Some(Citizen)),
    rule("/{slug}/servizi/{id}/per-conto-di", "/livorno/servizi/occupazione-suolo-pubblico/per-conto-di", Some(Citizen), Some(Citizen)),
    // The applicant's application and case.
    rule("/{slug}/domande/{id}/passo/{step}", "/livorno/domande/DRAFT/passo/1", Some(Owner), Some(Owner)),
    rule("/{slug}/domande/{id}/riepilogo", "/livorno/domande/DRAFT/riepilogo", Some(Owner), None),
    rule("/{slug}/domande/{id}/invia", "/livorno/domande/DRAFT/invia", None, Some(Owner)),
    rule("/{slug}/domande/{id}/ricevuta", "/livorno/domande/FILED/ricevuta", Some(Owner), None),
    rule("/{slug}/domande/{id}/ricevuta.pdf", "/livorno/domande/FILED/ricevuta.pdf", Some(Owner), None),
    rule("/{slug}/domande/{id}/allegati/{field}", "/livorno/domande/FILED/allegati/planimetria", Some(Owner), None),
    rule("/{slug}/domande/{id}/ritira", "/livorno/domande/FILED/ritira", None, Some(Owner)),
    rule("/{slug}/domande/{id}/elimina", "/livorno/domande/DRAFT/elimina", None, Some(Owner)),
    rule("/{slug}/domande/{id}/pratica", "/livorno/domande/FILED/pratica", Some(Owner), None),
    rule("/{slug}/domande/{id}/messaggio", "/livorno/domande/FILED/messaggio", None, Some(Owner)),
    rule("/{slug}/domande/{id}/rispondi", "/livorno/domande/FILED/rispondi", None, Some(Owner)),
    rule("/{slug}/domande/{id}/documenti/{doc}", "/livorno/domande/FILED/documenti/DOC", Some(Owner), None),
    // The API.
    rule("/api/v1/enti", "/api/v1/enti", Some(Public), None),
    rule("/api/v1/enti/{istat}", "/api/v1/enti/049009", Some(Public), None),
    rule("/api/v1/enti/{istat}/servizi", "/api/v1/enti/049009/servizi", Some(Public), None),
    rule("/api/v1/enti/{istat}/albo", "/api/v1/enti/049009/albo?storico=true", Some(Public), None),
    rule("/api/v1/enti/{istat}/servizi/{id}", "/api/v1/enti/049009/servizi/occupazione-suolo-pubblico", Some(Public), None),
    rule("/api/v1/enti/{istat}/servizi/{id}/domande", "/api/v1/enti/049009/servizi/segnalazione-reclamo/domande", None, Some(ApiCitizen)),
    rule("/api/v1/me/domande", "/api/v1/me/domande", Some(ApiCitizen), None),
    rule("/api/v1/me/domande/{id}", "/api/v1/me/domande/FILED", Some(ApiOwner), None),
    rule("/api/v1/me/token", "/api/v1/me/token", None, Some(ApiCitizen)),
    rule("/api/v1/openapi.json", "/api/v1/openapi.json", Some(Public), None),
    // Operations and static files.
    rule("/healthz", "/healthz", Some(Public), None),
    rule("/readyz", "/readyz", Some(Public), None),
    rule("/metrics", "/metrics", Some(Public), None),
    rule("/static/bi/{*path}", "/static/bi/css/bootstrap-italia.min.css", Some(Public), None),
    rule("/static/{*path}", "/static/sportello.css", Some(Public), None),
    rule("/favicon.ico", "/favicon.ico", Some(Public), None),
];

/// What a visitor must get.
#[derive(Debug, PartialEq)]
enum Expect {
    /// The route's work: anything but a refusal, a sign-in or a server error.
    Served,
    /// 303 to the citizens' sign-in.
    SignIn,
    /// 303 to the staff sign-in.
    StaffSignIn,
    Status(u16),
}

fn expect(gate: Gate, who: Who, sample: &str) -> Expect {
    let ente_row = [
        "FILED", "DRAFT", "DOC", "REG", "NOTICE", "bp-prova", "ALBO", "REPORT", "BOOKING",
    ]
    .iter()
    .any(|row| sample.contains(row));
    match gate {
        Public => Expect::Served,
        ApiKey => Expect::Status(403),
        BackChannel => Expect::Status(401),
        Unconnected => Expect::Status(404),
        PersonalArea if is_staff(who) => Expect::Status(303),
        Citizen | PersonalArea if is_citizen(who) => Expect::Served,
        Debtor => match who {
            Who::Owner | Who::Assisted => Expect::Served,
            Who::OtherCitizen => Expect::Status(404),
            _ => Expect::SignIn,
        },
        Citizen | PersonalArea | Owner => match who {
            Who::Owner => Expect::Served,
            Who::OtherCitizen | Who::Assisted => Expect::Status(404),
            _ => Expect::SignIn,
        },
        Staff(roles, refused) => {
            if !is_staff(who) {
                Expect::StaffSignIn
            } else if who == Who::OtherEnte && ente_row && roles.contains(&who) {
                Expect::Status(404)
            } else if roles.contains(&who) {
                Expect::Served
            } else {
                Expect::Status(refused)
            }
        }
        ApiCitizen if is_citizen(who) => Expect::Served,
        ApiCitizen | ApiOwner => match who {
            Who::Owner => Expect::Served,
            Who::OtherCitizen | Who::Assisted => Expect::Status(404),
            _ => Expect::Status(401),
        },
    }
}

fn holds(expected: &Expect, status: u16, location: &str) -> bool {
    match expected {
        Expect::Served => {
            status < 500
                && status != 401
                && status != 403
                && !(status == 303
                    && (location.starts_with("/accedi") || location.starts_with("/staff/accedi")))
        }
        Expect::SignIn => status == 303 && location.starts_with("/accedi"),
        Expect::StaffSignIn => status == 303 && location.starts_with("/staff/accedi"),
        Expect::Status(s) => status == *s,
    }
}

struct Visitor {
    who: Who,
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

#[tokio::test]
async fn every_route_of_the_router_with_every_visitor() {
    let t = spawn_app().await;
    let url = t.url.clone();

    // Every routed template has exactly one rule, and every rule names a routed template.
    let routed: BTreeSet<&str> = sportello_web::routes::paths().into_iter().collect();
    let ruled: BTreeSet<&str> = RULES.iter().map(|r| r.template).collect();
    assert_eq!(ruled.len(), RULES.len(), "one rule per template");
    let unruled: Vec<_> = routed.difference(&ruled).collect();
    assert!(
        unruled.is_empty(),
        "routes without a rule in surface.rs (say who may use them): {unruled:?}"
    );
    let stale: Vec<_> = ruled.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "rules for routes that no longer exist: {stale:?}"
    );

    // The applicant's rows: a filed application with a started case, a draft.
    let crate::authz_support::MariosRows {
        mario,
        filed,
        draft,
        document,
        registration,
    } = crate::authz_support::marios_rows(&t).await;
    let mario_cf = mario.fiscal_code.to_string();
    // A real participatory budget of Livorno's, taking proposals today.
    let livorno = t.app().ente_by_slug("livorno").await.unwrap();
    let admin = sportello_app::sessions::StaffPrincipal {
        id: 0,
        username: "livorno.admin".into(),
        display_name: "Amministratore".into(),
        ente: Some(livorno.ente_id()),
        roles: vec![Role::EnteAdmin],
        ente_place: None,
        office: None,
    };
    let today = time::OffsetDateTime::now_utc().date();
    let day = |n: i64| (today + time::Duration::days(n)).to_string();
    let phases = [
        ("proposals", -1, 10),
        ("review", 11, 15),
        ("vote1", 16, 20),
        ("debate", 21, 25),
        ("vote2", 26, 30),
        ("results", 31, 40),
    ]
    .into_iter()
    .map(|(kind, from, to)| (kind.to_string(), day(from), day(to)))
    .collect();
    t.app()
        .participation()
        .create_pb_process(
            &admin,
            &livorno,
            sportello_app::pb::NewProcess {
                slug: "bp-prova".into(),
                title: "Bilancio partecipativo di prova".into(),
                description: "Per la prova dei permessi.".into(),
                budget: 100_000,
                ballot_kind: "approval".into(),
                min_projects: None,
                max_projects: None,
                max_points: None,
                rule: "mes".into(),
                eligibility: "any".into(),
                min_age: 16,
                phases,
                districts: vec![],
            },
        )
        .await
        .unwrap();
    // A notice of Mario's: the fees of his filed application, Livorno taking pagoPA payments.
    t.app()
        .payments()
        .save_creditor(
            &admin,
            livorno.ente_id(),
            &sportello_app::payments::CreditorInput {
                fiscal_code: "00104330493".into(),
                segregation_code: "01".into(),
                iban: "IT60X0542811101000000123456".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.app()
        .payments()
        .application_fees(livorno.ente_id(), &filed, &mario)
        .await
        .unwrap();
    let notice = t
        .app()
        .payments()
        .application_debt(livorno.ente_id(), &filed, &mario)
        .await
        .unwrap()
        .unwrap()
        .options[0]
        .notice
        .clone();
    // A publication request of Livorno's.
    let operator = sportello_app::sessions::StaffPrincipal {
        roles: vec![Role::Operator],
        ..admin.clone()
    };
    let act = t
        .app()
        .upload_of(&sportello_app::pdf::render(
            "Ordinanza",
            &[sportello_app::pdf::Line::Text(
                "Ordinanza di chiusura della strada.".into(),
            )],
        ))
        .await
        .unwrap();
    let albo = t
        .app()
        .albo()
        .request(
            &operator,
            &sportello_app::albo::RequestInput {
                act_type: "ordinanza".into(),
                subject: "Chiusura temporanea di via Grande".into(),
                requester: "Polizia municipale".into(),
                responsible: "Comandante".into(),
                ..Default::default()
            },
            Some(("ordinanza.pdf".into(), act)),
            vec![],
        )
        .await
        .unwrap()
        .unwrap();
    // A report of Livorno's, by the applicant.
    let report_input = sportello_app::reports::ReportInput {
        category: "strade".into(),
        subject: "Buca".into(),
        description: "Una buca in via Grande".into(),
        street: "Via Grande".into(),
        house_number: "1".into(),
        ..Default::default()
    };
    let checked = t
        .app()
        .reports()
        .check(livorno.ente_id(), &report_input, &[])
        .await
        .unwrap()
        .unwrap();
    let report = t
        .app()
        .reports()
        .file(
            livorno.ente_id(),
            sportello_app::reports::Reporter::Citizen(&mario),
            &checked,
        )
        .await
        .unwrap();
    // A booking of Livorno's, by the applicant, confirmed, on a calendar the administrator
    // made.
    let saved = t
        .app()
        .bookings()
        .save_calendar(
            &admin,
            &sportello_app::bookings::CalendarInput {
                code: "sala".into(),
                name: "Sala riunioni".into(),
                kind: "ufficio".into(),
                address: "Piazza del Municipio 1".into(),
                hours: "lun 08:00-18:00\nmar 08:00-18:00\nmer 08:00-18:00\ngio 08:00-18:00\nven 08:00-18:00\nsab 08:00-18:00\ndom 08:00-18:00".into(),
                slot_minutes: "30".into(),
                capacity: "5".into(),
                horizon_days: "30".into(),
                cancel_hours: "0".into(),
                open_on_holidays: true,
                active: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(saved.is_ok(), "{saved:?}");
    let sala = t
        .app()
        .bookings()
        .calendar(livorno.ente_id(), "sala")
        .await
        .unwrap();
    let tomorrow =
        sportello_domain::calendar::in_rome(t.app().now()).date() + time::Duration::days(1);
    let slot = t
        .app()
        .bookings()
        .day(livorno.ente_id(), &sala, tomorrow)
        .await
        .unwrap()[0]
        .slot;
    let booking = t
        .app()
        .bookings()
        .hold(
            livorno.ente_id(),
            &mario,
            "sala",
            sportello_store::to_millis(slot.start),
            None,
        )
        .await
        .unwrap();
    let details = sportello_app::bookings::Details {
        subject: "Riunione".into(),
        name: "Mario Rossi".into(),
        email: "mario.rossi@example.invalid".into(),
        ..Default::default()
    };
    t.app()
        .bookings()
        .details(livorno.ente_id(), &mario, booking, &details)
        .await
        .unwrap()
        .unwrap();
    t.app()
        .bookings()
        .send(livorno.ente_id(), &mario, booking)
        .await
        .unwrap();
    let rows = [
        // The longer name first: «REPORT-ID» is not «REPORT» followed by «-ID».
        ("REPORT-ID", report.code.clone()),
        (
            "REPORT",
            format!("{}/{}", report.row.year, report.row.number),
        ),
        ("BOOKING", booking.to_string()),
        ("NOTICE", notice),
        ("ALBO", albo.to_string()),
        ("FILED", filed.clone()),
        ("DRAFT", draft.clone()),
        ("DOC", document),
        ("REG", registration.to_string()),
    ];
    let address = |sample: &str| {
        rows.iter().fold(sample.to_string(), |s, (name, value)| {
            s.replace(name, value)
        })
    };
    // An operator of another ente.
    t.app()
        .identity()
        .create_staff(NewStaff {
            istat: Some("048017".into()),
            username: "firenze.istruttore".into(),
            display_name: "Istruttore — Comune di Firenze".into(),
            password: DEMO_STAFF_PASSWORD.into(),
            roles: vec![Role::Operator],
            totp_secret: None,
            email: String::new(),
        })
        .await
        .unwrap();

    let mut visitors = vec![];
    for who in EVERYONE {
        let (client, jar) = client_with_jar();
        let csrf_page = match who {
            Who::Nobody => "/staff/accedi",
            Who::Owner => {
                demo_sign_in(&client, &url, "mario-rossi", "L2").await;
                "/area-personale"
            }
            Who::OtherCitizen => {
                demo_sign_in(&client, &url, "giulia-bianchi", "L2").await;
                "/area-personale"
            }
            Who::Assisted => {
                crate::assisted::assisted_for_mario(&url, &client).await;
                "/area-personale"
            }
            _ => {
                let (user, totp) = match who {
                    Who::Operator => ("livorno.istruttore", false),
                    Who::RegistryClerk => ("livorno.protocollo", false),
                    Who::ResponsibleOfficer => ("livorno.responsabile", false),
                    Who::Paas => ("livorno.paas", false),
                    Who::EnteAdmin => ("livorno.admin", true),
                    Who::RegionAdmin => ("regione.admin", true),
                    Who::AlboOfficer => ("livorno.albo", false),
                    _ => ("firenze.istruttore", false),
                };
                staff_login(&client, &url, user, totp).await;
                "/staff/"
            }
        };
        let page = sportello_testkit::text_of(&client, &format!("{url}{csrf_page}")).await;
        visitors.push(Visitor {
            who,
            cookie: cookie_header(&jar, &url),
            csrf: csrf_of(&page),
            client,
        });
    }

    let mut failures: Vec<String> = vec![];
    let mut checked = BTreeMap::<&str, usize>::new();
    for rule in RULES {
        let path = address(rule.sample);
        // The methods the router answers on this path, from its own 405 answer.
        let probe = visitors[0]
            .client
            .request(reqwest::Method::PATCH, format!("{url}{path}"))
            .send()
            .await
            .unwrap();
        let allow = probe
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let methods: BTreeSet<&str> = allow.split(',').map(str::trim).collect();
        if probe.status() != 405
            || methods.contains("GET") != rule.get.is_some()
            || methods.contains("POST") != rule.post.is_some()
        {
            failures.push(format!(
                "{}: the router answers {allow:?} ({}), the rule says GET {} POST {}",
                rule.template,
                probe.status(),
                rule.get.is_some(),
                rule.post.is_some()
            ));
            continue;
        }
        for visitor in &visitors {
            for (method, gate) in [("GET", rule.get), ("POST", rule.post)] {
                let Some(gate) = gate else { continue };
                let expected = expect(gate, visitor.who, rule.sample);
                // The applicant's sign-out, withdrawal and deletion are the journeys' own tests.
                if method == "POST"
                    && expected == Expect::Served
                    && (rule.template == "/esci"
                        || rule.template.ends_with("/ritira")
                        || rule.template.ends_with("/elimina"))
                {
                    continue;
                }
                let request = if method == "GET" {
                    visitor.client.get(format!("{url}{path}"))
                } else {
                    visitor
                        .client
                        .post(format!("{url}{path}"))
                        .header("X-CSRF-Token", &visitor.csrf)
                        .header("Origin", &url)
                        .form(&[("csrf", visitor.csrf.as_str())])
                };
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let body = r.text().await.unwrap_or_default();
                *checked.entry(method).or_default() += 1;
                if !holds(&expected, status, &location) {
                    failures.push(format!(
                        "{:?} {method} {path}: {status} {location} (expected {expected:?})",
                        visitor.who
                    ));
                }
                // The applicant's codice fiscale in a refusal — except in his own assisted
                // session, whose banner names him; there, what his applications hold.
                let leaked = if visitor.who == Who::Assisted {
                    body.contains("Via Grande") || body.contains("planimetria.pdf")
                } else {
                    body.contains(&mario_cf)
                };
                if expected != Expect::Served && leaked {
                    failures.push(format!(
                        "{:?} {method} {path}: the applicant's data in a refusal",
                        visitor.who
                    ));
                }
                // The applicant's own rows under another municipality's address: not found.
                if visitor.who == Who::Owner
                    && matches!(gate, Owner | Debtor)
                    && method == "GET"
                    && path.starts_with("/livorno/")
                {
                    let elsewhere = path.replacen("/livorno/", "/firenze/", 1);
                    let r = visitor
                        .client
                        .get(format!("{url}{elsewhere}"))
                        .send()
                        .await
                        .unwrap();
                    if r.status() != 404 {
                        failures.push(format!("Owner GET {elsewhere}: {}", r.status()));
                    }
                }
            }
        }
    }

    // Before the body: every state-changing route, from another site, with a forged token, or
    // (where the route needs someone) from nobody, is answered while the body is still coming.
    for rule in RULES {
        let Some(gate) = rule.post else { continue };
        if matches!(gate, BackChannel | Unconnected) {
            continue; // no browser, no cookie: nothing to forge
        }
        if matches!(gate, ApiKey) {
            // No visitor is served: each, from this site or another, is refused unread.
            let path = address(rule.sample);
            for visitor in &visitors {
                for (what, head) in [
                    ("from this site", format!("Cookie: {}\r\n", visitor.cookie)),
                    (
                        "from another site",
                        format!(
                            "Cookie: {}\r\nOrigin: https://evil.example\r\n",
                            visitor.cookie
                        ),
                    ),
                ] {
                    let answer = answer_before_body(&url, &path, &head).await;
                    if !answer.is_some_and(|s| matches!(s, 403 | 413)) {
                        failures.push(format!(
                            "POST {path} by {} {what}: {answer:?} before the body",
                            visitor_label(visitor.who)
                        ));
                    }
                }
            }
            continue;
        }
        let path = address(rule.sample);
        let allowed = visitors
            .iter()
            .find(|v| expect(gate, v.who, rule.sample) == Expect::Served)
            .unwrap();
        let mut cases = vec![
            (
                "a person the route serves, sent by another site",
                format!(
                    "Cookie: {}\r\nOrigin: https://evil.example\r\n",
                    allowed.cookie
                ),
                vec![403],
            ),
            (
                "a person the route serves, a cross-site fetch",
                format!(
                    "Cookie: {}\r\nSec-Fetch-Site: cross-site\r\n",
                    allowed.cookie
                ),
                vec![403],
            ),
            (
                "nobody, sent by another site",
                "Origin: https://evil.example\r\n".to_string(),
                // Sent to sign in, or refused as a forgery: either way before reading.
                if matches!(gate, Public) {
                    vec![403]
                } else {
                    vec![303, 401, 403]
                },
            ),
        ];
        if !matches!(gate, Public | ApiCitizen | ApiOwner) {
            cases.push((
                "a person the route serves, with a forged token in the head",
                format!("Cookie: {}\r\nX-CSRF-Token: forged\r\n", allowed.cookie),
                vec![403],
            ));
        }
        // Everyone the route does not serve, with their own cookie and a right token of theirs:
        // refused as the main walk expects, before reading.
        for visitor in &visitors {
            let refusal = match expect(gate, visitor.who, rule.sample) {
                Expect::Served => continue,
                Expect::SignIn | Expect::StaffSignIn => 303,
                Expect::Status(s) => s,
            };
            cases.push((
                visitor_label(visitor.who),
                format!(
                    "Cookie: {}\r\nX-CSRF-Token: {}\r\n",
                    visitor.cookie, visitor.csrf
                ),
                vec![refusal],
            ));
        }
        for (label, extra, statuses) in cases {
            let answer = answer_before_body(&url, &path, &extra).await;
            if !answer.is_some_and(|s| statuses.contains(&s)) {
                failures.push(format!(
                    "POST {path}, {label}: {answer:?} before the body (expected {statuses:?})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked["GET"] > 500 && checked["POST"] > 200, "{checked:?}");
    t.stop().await;
}

fn visitor_label(who: Who) -> &'static str {
    match who {
        Who::Nobody => "nobody",
        Who::Owner => "the applicant",
        Who::OtherCitizen => "another citizen",
        Who::Operator => "an operator",
        Who::RegistryClerk => "the registry clerk",
        Who::ResponsibleOfficer => "the responsible officer",
        Who::Paas => "the PAAS operator",
        Who::EnteAdmin => "the ente's administrator",
        Who::RegionAdmin => "the region's administrator",
        Who::OtherEnte => "another ente's operator",
        Who::Assisted => "an assisted session of the applicant",
        Who::AlboOfficer => "the publication officer",
    }
}

/// Sends the head of a POST declaring a 10 MB multipart body, then a few bytes of it, and
/// returns the status the server answers with, or `None` if it waited for the body.
async fn answer_before_body(url: &str, path: &str, extra: &str) -> Option<u16> {
    let host = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n\
         Content-Length: 10000000\r\n{extra}\r\n--XyZ"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    let n = read.ok()?.ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}
