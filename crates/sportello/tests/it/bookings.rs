//! Bookings (prenotazioni, issue 20), through the server as residents and the office use it,
//! on a test clock (Monday 14 December 2026, 09:00 in Rome). The administrator's calendar form
//! names every wrong field and keeps what was typed. A resident books in the Designers Italia
//! flow — place, date and time, details, who, summary — with each wrong field named; two
//! residents racing for the last place in a slot: one gets it, the other is told at once. The
//! confirmation arrives by e-mail (a real SMTP server) with an invitation the reference
//! `icalendar` parser reads: REQUEST, the slot's instants, CONFIRMED; the booking is in the
//! personal area and its `.ics` downloads. From the e-mail's link, without signing in, the
//! booking is moved (a new invitation, its sequence raised) and cancelled (CANCEL); the freed
//! place goes to the first person on that day's waiting list, who completes it. Near the slot
//! it can no longer be cancelled. The office sees its day, checks people in, records a
//! no-show, adds a walk-in, refuses a case that is not the ente's; another ente's staff finds
//! nothing. A moderated calendar says «richiesta inviata», and the office's confirmation
//! arrives by e-mail. A draft left alone runs out and its place is free again.

use std::sync::Arc;
use std::time::Duration;

use sportello_testkit::{
    client, demo_sign_in, location, post_on, spawn_app_with, text_of, Options, TestClock,
};
use time::macros::datetime;

use crate::authz_support::staff_login_at;

/// The slots a date-and-time page offers that have places: their `inizio` values.
fn free_slots(page: &str) -> Vec<String> {
    page.split("name=\"inizio\" value=\"")
        .skip(1)
        .filter_map(|rest| {
            let (value, tail) = rest.split_once('"')?;
            let tag_end = tail.find('>')?;
            (!tail[..tag_end].contains("disabled")).then(|| value.to_string())
        })
        .collect()
}

fn calendar_form<'a>(code: &'a str, name: &'a str, moderated: bool) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("codice", code),
        ("nome", name),
        ("tipo", "ufficio"),
        ("ufficio", "DEMO"),
        ("indirizzo", "Piazza del Municipio 1, Livorno"),
        ("informazioni", "Porta un documento."),
        ("servizio", "cambio-residenza"),
        (
            "orari",
            "lun 09:00-10:00\nmar 09:00-10:00\nmer 09:00-10:00\ngio 09:00-10:00\nven 09:00-10:00",
        ),
        ("durata", "30"),
        ("posti", "1"),
        ("anticipo", "30"),
        ("disdetta", "24"),
        ("chiusure", "2026-12-24"),
        ("attivo", "1"),
    ];
    if moderated {
        f.push(("moderata", "1"));
    }
    f
}

/// The next message for `to`, skipping others.
async fn mail_to(server: &mut sportello_testkit::SmtpServer, to: &str) -> serde_json::Value {
    for _ in 0..10 {
        let m = server
            .next_message(Duration::from_secs(15))
            .await
            .expect("a message arrives");
        if m["to"][0] == to {
            return m;
        }
    }
    panic!("no message for {to}");
}

#[tokio::test]
async fn a_resident_books_moves_and_cancels_and_the_office_runs_its_day() {
    let Some(mut smtp) = sportello_testkit::SmtpServer::start_on_free_port().await else {
        return;
    };
    let start = datetime!(2026-12-14 08:00 UTC);
    let clock = TestClock::new(start);
    let t = spawn_app_with(Options {
        clock: Some(clock.clone() as Arc<dyn sportello_app::Clock>),
        ..Options::default()
    })
    .await;
    let url = &t.url;
    let mailer = sportello_app::mail::Mailer::new(
        &smtp.url(),
        "Comune <prenotazioni@comune.livorno.invalid>",
    )
    .unwrap();

    // The administrator's form: every wrong field named, what was typed kept.
    let admin = client();
    staff_login_at(&admin, url, "livorno.admin", true, start).await;
    let page = "/staff/prenotazioni/calendari";
    let r = post_on(
        &admin,
        url,
        page,
        page,
        &[
            ("codice", "Sala Prove"),
            ("nome", "Anagrafe"),
            ("tipo", "ufficio"),
            ("orari", "lunedi 9-12\nmar 09:00-08:00"),
            ("durata", "0"),
            ("posti", "1"),
            ("anticipo", "30"),
            ("disdetta", "24"),
            ("chiusure", "24/12/2026"),
            ("servizio", "pesca-di-frodo"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for said in [
        "Il servizio indicato non è tra quelli che il Comune offre.",
        "Il codice deve avere da 2 a 40 caratteri",
        "Orari non validi alle righe 1",
        "La durata deve essere tra 5 e 240 minuti.",
        "Data di chiusura non valida: «24/12/2026»",
        "lunedi 9-12",
    ] {
        assert!(html.contains(said), "{said}: {html}");
    }
    for (code, name, moderated) in [
        ("anagrafe", "Ufficio anagrafe", false),
        ("museo", "Museo civico — visite", true),
    ] {
        let r = post_on(
            &admin,
            url,
            page,
            page,
            &calendar_form(code, name, moderated),
        )
        .await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }

    // The service is chosen from those the ente offers.
    let setup = text_of(&admin, &format!("{url}{page}")).await;
    assert!(
        setup.contains(r#"<option value="cambio-residenza" selected>"#),
        "{setup}"
    );
    // The place, from the service's page and from the list.
    let service = text_of(
        &client(),
        &format!("{url}/livorno/servizi/cambio-residenza"),
    )
    .await;
    assert!(service.contains("data-element=\"service-booking-access\""));
    assert!(service.contains("data-element=\"appointment-booking\""));
    let places = text_of(&client(), &format!("{url}/livorno/prenotazioni")).await;
    assert!(places.contains("Ufficio anagrafe") && places.contains("Museo civico"));

    // Date and time: Tuesday 15 December has two slots, 09:00 and 09:30 (Rome).
    let mario = client();
    demo_sign_in(&mario, url, "mario-rossi", "L2").await;
    let anna = client();
    demo_sign_in(&anna, url, "anna-neri", "L2").await;
    let when = "/livorno/prenotazioni/luogo/anagrafe";
    let day = text_of(&mario, &format!("{url}{when}?giorno=2026-12-15")).await;
    let slots = free_slots(&day);
    assert_eq!(slots.len(), 2, "{day}");
    assert_eq!(
        slots[0],
        (datetime!(2026-12-15 08:00 UTC).unix_timestamp() * 1000).to_string()
    );
    // Christmas Eve is closed, and so is the Immacolata.
    assert!(!day.contains("?giorno=2026-12-24") && !day.contains("?giorno=2026-12-08"));
    // Two residents race for 09:00: one gets it, the other is told at once.
    let first = [("inizio", slots[0].as_str())];
    let (a, b) = tokio::join!(
        post_on(&mario, url, when, when, &first),
        post_on(&anna, url, when, when, &first),
    );
    let (winner, loser) = if a.status() == 303 { (a, b) } else { (b, a) };
    assert_eq!(winner.status(), 303);
    assert_eq!(loser.status(), 409);
    assert!(loser
        .text()
        .await
        .unwrap()
        .contains("appena stato preso da un&#39;altra persona"));
    let draft = location(&winner);
    assert!(draft.ends_with("/dettagli"), "{draft}");
    let id = draft.split('/').nth(4).unwrap().to_string();
    // Whoever won, the booking is carried on by them.
    let (booker, other, booker_mail) = if text_of(&mario, &format!("{url}{draft}"))
        .await
        .contains("Posto riservato")
    {
        (&mario, &anna, "mario.rossi@example.org")
    } else {
        (&anna, &mario, "anna.neri@example.org")
    };
    // Another resident finds nothing of it.
    let r = other.get(format!("{url}{draft}")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Details: the reason is needed.
    let r = post_on(
        booker,
        url,
        &draft,
        &draft,
        &[("motivo", " "), ("azione", "avanti")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Scrivi il motivo dell&#39;appuntamento."));
    let r = post_on(
        booker,
        url,
        &draft,
        &draft,
        &[
            ("motivo", "Cambio di residenza: firma"),
            ("note", "Vengo con mia figlia"),
            ("azione", "avanti"),
        ],
    )
    .await;
    assert_eq!(location(&r), draft.replace("dettagli", "richiedente"));
    // Who: a wrong e-mail and phone named; the name comes from SPID.
    let who = draft.replace("dettagli", "richiedente");
    let page = text_of(booker, &format!("{url}{who}")).await;
    assert!(page.contains("Rossi") || page.contains("Neri"));
    let r = post_on(
        booker,
        url,
        &who,
        &who,
        &[
            ("nome", "Mario Rossi"),
            ("email", "mario@"),
            ("telefono", "abc"),
            ("azione", "avanti"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Scrivi un indirizzo e-mail valido")
            && html.contains("Il telefono può contenere solo cifre")
    );
    let r = post_on(
        booker,
        url,
        &who,
        &who,
        &[
            ("nome", "Persona Prova"),
            ("email", booker_mail),
            ("telefono", "+39 0586 123456"),
            ("azione", "avanti"),
        ],
    )
    .await;
    let summary = location(&r);
    assert!(summary.ends_with("/riepilogo"));
    let page = text_of(booker, &format!("{url}{summary}")).await;
    assert!(
        page.contains("Cambio di residenza: firma") && page.contains("15/12/2026, 09:00–09:30"),
        "{page}"
    );
    let r = post_on(booker, url, &summary, &summary, &[("azione", "avanti")]).await;
    let shown = location(&r);
    assert_eq!(
        shown,
        format!("/livorno/prenotazioni/appuntamento/{id}?esito=inviata")
    );
    let page = text_of(booker, &format!("{url}{shown}")).await;
    assert!(
        page.contains("Appuntamento confermato") && page.contains(">Confermata<"),
        "{page}"
    );
    assert!(text_of(booker, &format!("{url}/area-personale"))
        .await
        .contains(&format!("/livorno/prenotazioni/appuntamento/{id}")));
    let ics = booker
        .get(format!(
            "{url}/livorno/prenotazioni/appuntamento/{id}/invito.ics"
        ))
        .send()
        .await
        .unwrap();
    assert!(ics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    assert!(ics
        .text()
        .await
        .unwrap()
        .contains("DTSTART:20261215T080000Z\r\n"));

    // The confirmation, with the invitation the reference parser reads.
    t.app().run_jobs_once("p1", Some(&mailer)).await.unwrap();
    let m = mail_to(&mut smtp, booker_mail).await;
    assert!(m["subject"]
        .as_str()
        .unwrap()
        .starts_with("Appuntamento confermato"));
    let cal = &m["calendars"][0];
    assert!(cal.get("error").is_none(), "{cal}");
    assert_eq!(cal["method"], "REQUEST");
    assert!(
        cal["content_type"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .replace('"', "")
            .contains("method=request"),
        "{cal}"
    );
    let event = &cal["events"][0];
    assert_eq!(event["start"], "2026-12-15T08:00:00+00:00");
    assert_eq!(event["end"], "2026-12-15T08:30:00+00:00");
    assert_eq!(event["status"], "CONFIRMED");
    let uid = event["uid"].as_str().unwrap().to_string();
    // The booking is tomorrow: the same pass of the jobs sends its reminder, once.
    let reminder = mail_to(&mut smtp, booker_mail).await;
    assert!(
        reminder["subject"]
            .as_str()
            .unwrap()
            .starts_with("Promemoria: domani"),
        "{reminder}"
    );
    let body = m["body"].as_str().unwrap();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/prenotazioni/gestisci/"))
        .unwrap()
        .trim_start_matches(url.as_str())
        .to_string();

    // From the e-mail's link, without signing in: moved to Wednesday 09:30.
    let stranger = client();
    let move_page = format!("{link}/sposta?giorno=2026-12-16");
    let page = text_of(&stranger, &format!("{url}{move_page}")).await;
    let slots = free_slots(&page);
    assert_eq!(slots.len(), 2, "{page}");
    let r = post_on(
        &stranger,
        url,
        &move_page,
        &format!("{link}/sposta"),
        &[("inizio", &slots[1])],
    )
    .await;
    assert_eq!(location(&r), format!("{link}?esito=spostata"));
    let page = text_of(&stranger, &format!("{url}{link}")).await;
    assert!(page.contains("16/12/2026, 09:30–10:00"), "{page}");
    t.app().run_jobs_once("p1", Some(&mailer)).await.unwrap();
    let moved = mail_to(&mut smtp, booker_mail).await;
    assert!(
        moved["subject"]
            .as_str()
            .unwrap()
            .starts_with("Appuntamento spostato"),
        "{moved}"
    );
    let event = &moved["calendars"][0]["events"][0];
    assert_eq!(event["uid"], uid.as_str());
    assert_eq!(event["start"], "2026-12-16T08:30:00+00:00");
    assert!(event["sequence"].as_i64().unwrap() >= 2);

    // A day with a place left is booked, not waited for.
    let r = post_on(
        other,
        url,
        &format!("{when}?giorno=2026-12-16"),
        &format!("{when}/attesa"),
        &[("giorno", "2026-12-16")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("c&#39;è ancora posto"));
    // Wednesday's and Thursday's places are held by others (drafts hold them too).
    let giulia = client();
    demo_sign_in(&giulia, url, "giulia-bianchi", "L2").await;
    let luca = client();
    demo_sign_in(&luca, url, "luca-verdi", "L2").await;
    let at = |day: &str, hm: &str| {
        (time::PrimitiveDateTime::parse(
            &format!("{day} {hm}"),
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
        )
        .unwrap()
        .assume_utc()
        .unix_timestamp()
            * 1000)
            .to_string()
    };
    for (who, slot) in [
        (&giulia, at("2026-12-16", "08:00")),
        (&luca, at("2026-12-17", "08:00")),
        (booker, at("2026-12-17", "08:30")),
    ] {
        let r = post_on(who, url, when, when, &[("inizio", slot.as_str())]).await;
        assert_eq!(r.status(), 303, "{slot}");
    }

    // The other resident waits for Wednesday; the booking is cancelled from the link and the
    // freed place is kept for them.
    let r = post_on(
        other,
        url,
        &format!("{when}?giorno=2026-12-16"),
        &format!("{when}/attesa"),
        &[("giorno", "2026-12-16")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(text_of(other, &format!("{url}{}", location(&r)))
        .await
        .contains("Sei in lista d&#39;attesa"));
    // They wait for Thursday too; their personal area lists both days, and they leave
    // Thursday's list from there (only they can).
    let r = post_on(
        other,
        url,
        &format!("{when}?giorno=2026-12-17"),
        &format!("{when}/attesa"),
        &[("giorno", "2026-12-17")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let area = text_of(other, &format!("{url}/area-personale")).await;
    let waits = &area[area.find("data-testid=\"my-waits\"").expect("{area}")..];
    assert!(
        waits.contains("16/12/2026") && waits.contains("17/12/2026"),
        "{waits}"
    );
    let thursday = waits[waits.find("17/12/2026").unwrap()..]
        .split('"')
        .find(|w| w.starts_with("/livorno/prenotazioni/attesa/"))
        .unwrap()
        .to_string();
    let r = post_on(booker, url, "/area-personale", &thursday, &[]).await;
    assert_eq!(
        r.status(),
        404,
        "another's waiting list is not theirs to leave"
    );
    let r = post_on(other, url, "/area-personale", &thursday, &[]).await;
    assert_eq!(location(&r), "/area-personale?attesa_lasciata=1");
    let area = text_of(other, &format!("{url}{}", location(&r))).await;
    assert!(area.contains("Non sei più in lista d&#39;attesa"));
    assert!(
        area.contains("16/12/2026") && !area.contains("17/12/2026"),
        "{area}"
    );
    let r = post_on(other, url, "/area-personale", &thursday, &[]).await;
    assert_eq!(r.status(), 404, "left once");
    let confirm = text_of(&stranger, &format!("{url}{link}/annulla")).await;
    assert!(
        confirm.contains("Annullare l&#39;appuntamento?"),
        "{confirm}"
    );
    let r = post_on(
        &stranger,
        url,
        &format!("{link}/annulla"),
        &format!("{link}/annulla"),
        &[],
    )
    .await;
    assert_eq!(location(&r), format!("{link}?esito=annullata"));
    let r = post_on(&stranger, url, when, &format!("{link}/annulla"), &[]).await;
    assert_eq!(r.status(), 409, "cancelled once");
    t.app().run_jobs_once("p1", Some(&mailer)).await.unwrap();
    let cancelled = mail_to(&mut smtp, booker_mail).await;
    assert_eq!(cancelled["calendars"][0]["method"], "CANCEL");
    assert_eq!(
        cancelled["calendars"][0]["events"][0]["status"],
        "CANCELLED"
    );
    // The waiting list writes to the address their SPID identity gave.
    let other_mail = if booker_mail.starts_with("mario") {
        "anna.neri@example.invalid"
    } else {
        "mario.rossi@example.invalid"
    };
    let offer = mail_to(&mut smtp, other_mail).await;
    assert!(offer["subject"]
        .as_str()
        .unwrap()
        .starts_with("Si è liberato un posto"));
    let offered = offer["body"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|w| w.contains("/prenotazioni/bozza/"))
        .unwrap()
        .trim_start_matches(url.as_str())
        .to_string();
    let details = text_of(other, &format!("{url}{offered}")).await;
    assert!(details.contains("16/12/2026 09:30"), "{details}");
    let offered_id = offered.split('/').nth(4).unwrap().to_string();
    for (step, fields) in [
        ("dettagli", vec![("motivo", "Carta d'identità")]),
        (
            "richiedente",
            vec![("nome", "Altra Persona"), ("email", other_mail)],
        ),
        ("riepilogo", vec![]),
    ] {
        let p = format!("/livorno/prenotazioni/bozza/{offered_id}/{step}");
        let mut f = fields.clone();
        f.push(("azione", "avanti"));
        let r = post_on(other, url, &p, &p, &f).await;
        assert_eq!(r.status(), 303, "{step}");
    }

    // The office's day on Wednesday, from the morning of that day: it is too late to cancel
    // online, the person comes and is checked in; a walk-in is added; a case that is not the
    // ente's is refused.
    clock.advance(time::Duration::hours(48));
    // Two days on, the sessions have run out: both sign in again.
    demo_sign_in(&mario, url, "mario-rossi", "L2").await;
    demo_sign_in(&anna, url, "anna-neri", "L2").await;
    let shown = text_of(
        other,
        &format!("{url}/livorno/prenotazioni/appuntamento/{offered_id}"),
    )
    .await;
    assert!(
        shown.contains("Non è più possibile annullare")
            && !shown.contains("data-testid=\"cancel\""),
        "{shown}"
    );
    // A form sent anyway (from a page left open) is refused.
    let late = post_on(
        other,
        url,
        when,
        &format!("/livorno/prenotazioni/appuntamento/{offered_id}/annulla"),
        &[],
    )
    .await;
    assert_eq!(late.status(), 409);
    assert!(late
        .text()
        .await
        .unwrap()
        .contains("Non è più possibile annullare"));
    let office = client();
    staff_login_at(
        &office,
        url,
        "livorno.istruttore",
        false,
        start + time::Duration::hours(48),
    )
    .await;
    let plan = text_of(
        &office,
        &format!("{url}/staff/prenotazioni?giorno=2026-12-16"),
    )
    .await;
    assert!(
        plan.contains("Altra Persona") && plan.contains("09:30–10:00"),
        "{plan}"
    );
    let day_page = "/staff/prenotazioni?giorno=2026-12-16";
    let r = post_on(
        &office,
        url,
        day_page,
        &format!("/staff/prenotazioni/{offered_id}/azioni"),
        &[("azione", "presente")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post_on(
        &office,
        url,
        day_page,
        &format!("/staff/prenotazioni/{offered_id}/pratica"),
        &[("pratica", "non-esiste")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Nessuna pratica di questo Comune"));
    let r = post_on(
        &office,
        url,
        day_page,
        "/staff/prenotazioni/accesso",
        &[
            ("calendario", "anagrafe"),
            ("nome", "Roberto Guidi"),
            ("motivo", "Autentica di firma"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let plan = text_of(&office, &format!("{url}/staff/prenotazioni")).await;
    assert!(
        plan.contains("Roberto Guidi") && plan.contains("senza prenotazione"),
        "{plan}"
    );
    assert!(plan.contains(">Presente<"));
    // Another ente's staff finds nothing.
    let firenze = client();
    staff_login_at(
        &firenze,
        url,
        "firenze.responsabile",
        true,
        start + time::Duration::hours(48),
    )
    .await;
    let probe = firenze
        .get(format!("{url}/staff/prenotazioni"))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 200, "{:?}", probe.headers().get("location"));
    // (Refused before the form is read: its token is not even looked at.)
    let r = firenze
        .post(format!("{url}/staff/prenotazioni/{offered_id}/azioni"))
        .form(&[("csrf", "x"), ("azione", "assente")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!text_of(
        &firenze,
        &format!("{url}/staff/prenotazioni?giorno=2026-12-16")
    )
    .await
    .contains("Altra Persona"));

    // A moderated calendar: «richiesta inviata», not «confermato»; the office confirms.
    let museum = "/livorno/prenotazioni/luogo/museo";
    let page = text_of(&mario, &format!("{url}{museum}?giorno=2026-12-21")).await;
    let slot = free_slots(&page)[0].clone();
    let r = post_on(&mario, url, museum, museum, &[("inizio", &slot)]).await;
    let d = location(&r);
    let mid = d.split('/').nth(4).unwrap().to_string();
    for (step, fields) in [
        ("dettagli", vec![("motivo", "Visita guidata")]),
        (
            "richiedente",
            vec![
                ("nome", "Mario Rossi"),
                ("email", "mario.rossi@example.org"),
            ],
        ),
        ("riepilogo", vec![]),
    ] {
        let p = format!("/livorno/prenotazioni/bozza/{mid}/{step}");
        let mut f = fields.clone();
        f.push(("azione", "avanti"));
        let r = post_on(&mario, url, &p, &p, &f).await;
        assert_eq!(r.status(), 303, "{step}");
        if step == "riepilogo" {
            let page = text_of(&mario, &format!("{url}{}", location(&r))).await;
            assert!(
                page.contains("Richiesta inviata") && !page.contains("Appuntamento confermato"),
                "{page}"
            );
        }
    }
    let r = post_on(
        &office,
        url,
        "/staff/prenotazioni?giorno=2026-12-21",
        &format!("/staff/prenotazioni/{mid}/azioni"),
        &[("azione", "accetta")],
    )
    .await;
    assert_eq!(r.status(), 303);
    t.app().run_jobs_once("p1", Some(&mailer)).await.unwrap();
    let requested = mail_to(&mut smtp, "mario.rossi@example.org").await;
    assert!(requested["subject"]
        .as_str()
        .unwrap()
        .starts_with("Richiesta di appuntamento inviata"));
    assert_eq!(
        requested["calendars"][0]["events"][0]["status"],
        "TENTATIVE"
    );
    let confirmed = mail_to(&mut smtp, "mario.rossi@example.org").await;
    assert!(confirmed["subject"]
        .as_str()
        .unwrap()
        .starts_with("Appuntamento confermato"));
    assert_eq!(
        confirmed["calendars"][0]["events"][0]["status"],
        "CONFIRMED"
    );

    // A draft left alone runs out: the place is free again.
    let page = text_of(&anna, &format!("{url}{when}?giorno=2026-12-18")).await;
    let slot = free_slots(&page)[0].clone();
    let r_draft = post_on(&anna, url, when, when, &[("inizio", &slot)]).await;
    assert_eq!(r_draft.status(), 303);
    let page = text_of(&mario, &format!("{url}{when}?giorno=2026-12-18")).await;
    assert!(
        !free_slots(&page).contains(&slot),
        "held for the one filling it in"
    );
    clock.advance(time::Duration::minutes(11));
    let report = t.app().run_jobs_once("p1", None).await.unwrap();
    assert_eq!(report.bookings_freed, 1);
    let page = text_of(&mario, &format!("{url}{when}?giorno=2026-12-18")).await;
    assert!(free_slots(&page).contains(&slot));
    let r = anna
        .get(format!("{url}{}", location(&r_draft)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    // What she types next is not lost: the place is still free, so her draft is held again
    // with it.
    let anna_draft = location(&r_draft);
    let r = post_on(
        &anna,
        url,
        &format!("{when}?giorno=2026-12-18"),
        &anna_draft,
        &[("motivo", "Certificato di residenza"), ("azione", "avanti")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), anna_draft.replace("dettagli", "richiedente"));
    assert!(text_of(&anna, &format!("{url}{anna_draft}"))
        .await
        .contains("Certificato di residenza"));
    let page = text_of(&mario, &format!("{url}{when}?giorno=2026-12-18")).await;
    assert!(!free_slots(&page).contains(&slot), "held again");
    // Mario's draft runs out and Giulia takes the place: what he typed cannot be saved, and
    // is shown back to him.
    let other_slot = free_slots(&page)[0].clone();
    let r = post_on(&mario, url, when, when, &[("inizio", &other_slot)]).await;
    let mario_draft = location(&r);
    clock.advance(time::Duration::minutes(11));
    let giulia = client();
    demo_sign_in(&giulia, url, "giulia-bianchi", "L2").await;
    let r = post_on(&giulia, url, when, when, &[("inizio", &other_slot)]).await;
    assert_eq!(r.status(), 303, "the place went back");
    let r = post_on(
        &mario,
        url,
        &format!("{when}?giorno=2026-12-18"),
        &mario_draft,
        &[
            ("motivo", "Rinnovo della carta d'identità"),
            ("azione", "avanti"),
        ],
    )
    .await;
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Quello che avevi scritto")
            && page.contains("Rinnovo della carta d&#39;identità"),
        "{page}"
    );
    smtp.stop().await;
}
