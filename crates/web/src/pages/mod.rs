//! The HTML pages, one module per page or journey.

mod accountability;
mod albo;
pub(crate) mod apply;
mod assisted;
mod back_office;
mod bookings;
mod citizen;
mod demo_idp;
mod ente;
mod ente_pages;
mod opendata;
mod payments;
mod pb;
pub(crate) mod posted;
mod pratica;
mod queue;
mod receipt;
mod region;
mod registry;
mod related;
mod reports;
pub(crate) mod services;
mod spontaneous;
mod staff;
mod staff_acts;
mod staff_catalogue;

use axum::routing::{get, post};

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/", get(region::home))
        .route("/lingua", get(region::switch_language))
        .route("/accedi", get(citizen::sign_in_choice))
        .route("/accedi/callback", get(citizen::callback))
        .route("/accedi/{provider}", get(citizen::start))
        .route("/area-personale", get(citizen::personal_area))
        .route("/esci", post(citizen::sign_out))
        .route("/staff", get(staff::redirect_home))
        .route("/staff/", get(staff::home))
        .route("/staff/pratiche", get(queue::queue))
        .route("/staff/pratiche/{id}", get(back_office::case))
        .route("/staff/graduatoria/{service}", get(back_office::ranking))
        .route(
            "/staff/graduatoria/{service}/approva",
            post(back_office::approve_ranking),
        )
        .route("/staff/pratiche/{id}/azioni", post(back_office::act))
        .route(
            "/staff/pratiche/{id}/allegati/{field}",
            get(back_office::file),
        )
        .route(
            "/staff/pratiche/{id}/documenti/{doc}",
            get(back_office::document),
        )
        .route(
            "/staff/pratiche/{id}/documenti/{doc}/segnatura.xml",
            get(back_office::segnatura),
        )
        .route("/protocollo/sigillo.pem", get(back_office::seal_key))
        .route("/staff/protocollo", get(registry::search))
        .route(
            "/staff/protocollo/nuova",
            get(registry::new_form)
                .post(registry::create)
                .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
        )
        .route("/staff/protocollo/{id}", get(registry::entry))
        .route("/staff/protocollo/{id}/documento", get(registry::document))
        .route(
            "/staff/protocollo/{id}/allegati/{n}",
            get(registry::attachment),
        )
        .route(
            "/staff/protocollo/{id}/segnatura.xml",
            get(registry::segnatura),
        )
        .route("/staff/protocollo/{id}/annulla", post(registry::annul))
        .route("/staff/protocollo/{id}/smista", post(registry::route))
        .route(
            "/staff/protocollo/{id}/presa-in-carico",
            post(registry::take),
        )
        .route(
            "/staff/protocollo/{id}/ricevuta.pdf",
            get(registry::receipt),
        )
        .route(
            "/staff/protocollo/{id}/autorizza",
            post(registry::authorise),
        )
        .route("/staff/protocollo/giornaliero/{file}", get(registry::daily))
        .route(
            "/staff/assistenza",
            get(assisted::form)
                .post(assisted::open)
                .layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route("/staff/albo", get(albo::desk))
        .route(
            "/staff/albo/nuova",
            get(albo::new_form)
                .post(albo::create)
                .layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
        )
        .route(
            "/staff/albo/periodi",
            get(albo::periods_form).post(albo::save_periods),
        )
        .route("/staff/albo/tipi", post(albo::add_type))
        .route("/staff/albo/{id}", get(albo::desk_entry))
        .route(
            "/staff/albo/{id}/pubblica",
            post(albo::publish).layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
        )
        .route("/staff/albo/{id}/annulla", post(albo::annul))
        .route("/staff/albo/{id}/restituisci", post(albo::send_back))
        .route("/staff/albo/{id}/proroga", post(albo::extend))
        .route(
            "/staff/albo/{id}/documenti/{which}",
            get(albo::desk_document),
        )
        .route("/albo/feed.xml", get(albo::region_feed))
        .route("/staff/servizi", get(staff_catalogue::list))
        .route("/staff/atti", get(staff_acts::list))
        .route(
            "/staff/atti/{kind}",
            get(staff_acts::edit).post(staff_acts::save),
        )
        .route(
            "/staff/servizi/{id}",
            get(staff_catalogue::edit).post(staff_catalogue::save),
        )
        .route(
            "/staff/accedi",
            get(staff::sign_in_form).post(staff::sign_in),
        )
        .route(
            "/demo-idp/.well-known/openid-configuration",
            get(demo_idp::discovery),
        )
        .route("/demo-idp/jwks", get(demo_idp::jwks))
        .route(
            "/demo-idp/authorize",
            get(demo_idp::authorize_form).post(demo_idp::authorize),
        )
        .route("/demo-idp/token", post(demo_idp::token))
        .route(
            "/staff/bilancio-partecipativo",
            get(pb::staff_list).post(pb::staff_create),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}",
            get(pb::staff_process),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/progetti/{project}",
            post(pb::staff_review),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/commenti/{comment}",
            post(pb::staff_moderate),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/facilitatori",
            post(pb::staff_facilitator),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/progetti/{project}/realizzazione",
            post(pb::staff_execution),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/fasi",
            post(pb::staff_phases),
        )
        .route(
            "/staff/bilancio-partecipativo/{process}/aventi-diritto",
            post(pb::staff_eligible),
        )
        .route("/staff/prenotazioni", get(bookings::office_day))
        .route("/staff/prenotazioni/accesso", post(bookings::walk_in))
        .route(
            "/staff/prenotazioni/calendari",
            get(bookings::setup).post(bookings::setup_save),
        )
        .route(
            "/staff/prenotazioni/{id}/azioni",
            post(bookings::office_act),
        )
        .route(
            "/staff/prenotazioni/{id}/pratica",
            post(bookings::office_case),
        )
        .route("/{slug}/prenotazioni", get(bookings::places))
        .route(
            "/{slug}/prenotazioni/luogo/{code}",
            get(bookings::when).post(bookings::hold),
        )
        .route(
            "/{slug}/prenotazioni/luogo/{code}/attesa",
            post(bookings::wait),
        )
        .route(
            "/{slug}/prenotazioni/attesa/{id}/lascia",
            post(bookings::leave_wait),
        )
        .route(
            "/{slug}/prenotazioni/bozza/{id}/{step}",
            get(bookings::step).post(bookings::step_save),
        )
        .route(
            "/{slug}/prenotazioni/appuntamento/{id}",
            get(bookings::show),
        )
        .route(
            "/{slug}/prenotazioni/appuntamento/{id}/invito.ics",
            get(bookings::invitation),
        )
        .route(
            "/{slug}/prenotazioni/appuntamento/{id}/annulla",
            get(bookings::cancel_page).post(bookings::cancel),
        )
        .route(
            "/{slug}/prenotazioni/appuntamento/{id}/sposta",
            get(bookings::move_page).post(bookings::move_booking),
        )
        .route(
            "/{slug}/prenotazioni/gestisci/{token}",
            get(bookings::by_link),
        )
        .route(
            "/{slug}/prenotazioni/gestisci/{token}/annulla",
            get(bookings::cancel_page_by_link).post(bookings::cancel_by_link),
        )
        .route(
            "/{slug}/prenotazioni/gestisci/{token}/sposta",
            get(bookings::move_page_by_link).post(bookings::move_by_link),
        )
        .route("/staff/segnalazioni", get(reports::desk))
        .route("/staff/segnalazioni/impostazioni", get(reports::setup))
        .route(
            "/staff/segnalazioni/categorie",
            post(reports::save_category),
        )
        .route(
            "/staff/segnalazioni/quartieri",
            post(reports::save_district),
        )
        .route("/staff/segnalazioni/chiavi", post(reports::issue_key))
        .route(
            "/staff/segnalazioni/chiavi/{id}/revoca",
            post(reports::revoke_key),
        )
        .route(
            "/staff/segnalazioni/{year}/{number}",
            get(reports::office_report),
        )
        .route(
            "/staff/segnalazioni/{year}/{number}/azioni",
            post(reports::office_act),
        )
        .route(
            "/staff/segnalazioni/{year}/{number}/foto/{position}",
            post(reports::review_photo),
        )
        .route("/{slug}/segnalazioni", get(reports::list))
        .route(
            "/{slug}/segnalazioni/nuova",
            get(reports::new_form)
                .post(reports::create)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(
            "/{slug}/segnalazioni/{year}/{number}/foto/{position}",
            get(reports::photo),
        )
        .route(
            "/{slug}/segnalazioni/nuova/email",
            post(reports::create_unsigned)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(
            "/{slug}/segnalazioni/conferma/{token}",
            get(reports::confirm_form).post(reports::confirm),
        )
        .route(
            "/{slug}/segnalazioni/risposta/{secret}",
            get(reports::answer_form).post(reports::answer),
        )
        .route("/{slug}/segnalazioni/quartieri", get(reports::districts))
        .route("/{slug}/segnalazioni/{year}/{number}", get(reports::show))
        .route(
            "/{slug}/segnalazioni/{year}/{number}/sostegno",
            post(reports::support),
        )
        .route(
            "/{slug}/segnalazioni/{year}/{number}/esito",
            post(reports::outcome),
        )
        .route("/{slug}/albo", get(albo::board))
        .route("/{slug}/albo/storico", get(albo::history))
        .route("/{slug}/albo/verifica", get(albo::verify))
        .route("/{slug}/albo/feed.xml", get(albo::ente_feed))
        .route("/{slug}/albo/{year}/{number}", get(albo::entry))
        .route(
            "/{slug}/albo/{year}/{number}/documenti/{which}",
            get(albo::document),
        )
        .route("/{slug}/bilancio-partecipativo", get(pb::list))
        .route("/{slug}/bilancio-partecipativo/{process}", get(pb::show))
        .route(
            "/{slug}/bilancio-partecipativo/{process}/proponi",
            get(pb::propose_form)
                .post(pb::propose)
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/vota",
            get(pb::vote_form).post(pb::vote),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/risultati",
            get(pb::results),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/progetti/{number}",
            get(pb::project).post(pb::comment),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/progetti/{number}/segnala/{comment}",
            post(pb::report),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/progetti/{number}/immagini/{position}",
            get(pb::image),
        )
        .route(
            "/{slug}/bilancio-partecipativo/{process}/dati/{file}",
            get(pb::export),
        )
        .route(
            "/staff/ente",
            get(ente_pages::profile_form).post(ente_pages::profile_save),
        )
        .route(
            "/staff/ente/uffici/{code}",
            get(ente_pages::office_form).post(ente_pages::office_save),
        )
        .route(
            "/staff/ente/uffici/{code}/persone",
            post(ente_pages::office_members_save),
        )
        .route("/{slug}/contatti", get(ente_pages::contacts))
        .route("/{slug}/trasparenza/tempi", get(accountability::ente_times))
        .route(
            "/{slug}/trasparenza/avete-detto",
            get(accountability::public_answers),
        )
        .route("/{slug}/valutazione", post(accountability::rate))
        .route("/trasparenza/tempi", get(accountability::region_times))
        .route("/dati", get(opendata::region_catalogue))
        .route("/dati/{name}", get(opendata::region_file))
        .route("/{slug}/dati", get(opendata::ente_catalogue))
        .route("/{slug}/dati/{name}", get(opendata::ente_file))
        .route("/staff/valutazioni", get(accountability::staff_feedback))
        .route(
            "/staff/valutazioni/{id}/risposta",
            post(accountability::answer),
        )
        .route("/{slug}/cerca", get(ente_pages::search))
        .route("/{slug}/uffici/{code}", get(ente_pages::office))
        .route("/{slug}/privacy", get(ente_pages::privacy))
        .route("/{slug}/cookie", get(ente_pages::cookies))
        .route("/{slug}/accessibilita", get(ente_pages::accessibility))
        .route("/{slug}/note-legali", get(ente_pages::legal_notes))
        .route(
            "/{slug}/servizi/{id}/privacy",
            get(ente_pages::service_privacy),
        )
        .route("/{slug}/servizi", get(services::list))
        .route("/{slug}/servizi/{id}", get(services::detail))
        .route("/{slug}/graduatorie/{id}", get(services::public_ranking))
        .route("/{slug}/servizi/{id}/domanda", post(services::start))
        .route(
            "/{slug}/servizi/{id}/per-conto-di",
            get(services::acting_form)
                .post(services::acting_start)
                .layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route("/{slug}/domande/{id}/pratica", get(pratica::show))
        .route("/{slug}/domande/{id}/messaggio", post(pratica::message))
        .route(
            "/{slug}/domande/{id}/rispondi",
            post(pratica::answer).layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
        )
        .route(
            "/{slug}/domande/{id}/documenti/{doc}",
            get(pratica::document),
        )
        .merge(apply::routes())
        .merge(payments::routes())
        .merge(spontaneous::routes())
        .route("/{slug}", get(ente::redirect_slash))
        .route("/{slug}/", get(ente::home))
}
