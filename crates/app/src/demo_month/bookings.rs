//! The demo's bookings in Livorno (issue 20): the registry office (appointments for the
//! identity card and residence changes, linked to the «cambio di residenza» service), the
//! Biblioteca Labronica (study rooms and internet stations, four people an hour) and a museum's
//! guided tours that the office confirms one by one. A week of bookings around today: the past
//! days with who came and who did not, a walk-in, today's and the next days' appointments, a
//! request waiting for the museum, a cancellation, and someone waiting for a full day. Every
//! person is made up.

use sportello_domain::bookings::{BookingState, HOLD_MINUTES};
use sportello_domain::calendar::{from_rome, in_rome};
use time::{Duration, Time};

use crate::bookings::{CalendarInput, Details, Manage, OfficeAct};
use crate::{App, AppError};

use super::stories::Who;
use super::{SeedClock, LIVORNO};

/// (code, name, kind, office, address, about, service, hours, minutes, places, moderated,
/// on holidays)
type DemoCalendar = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
);

const CALENDARS: [DemoCalendar; 3] = [
    (
        "anagrafe",
        "Ufficio anagrafe — carta d'identità e residenza",
        "ufficio",
        "DEMO",
        "Piazza del Municipio 1, Livorno (piano terra, sportello 3)",
        "Porta un documento d'identità e, per la carta d'identità, una fototessera recente.",
        "cambio-residenza",
        "lun 08:30-12:30\nmar 08:30-12:30\nmar 15:00-17:00\nmer 08:30-12:30\ngio 08:30-12:30\ngio 15:00-17:00\nven 08:30-12:30\n",
        "20",
        "2",
        false,
        false,
    ),
    (
        "biblioteca-labronica",
        "Biblioteca Labronica — sale studio e postazioni internet",
        "biblioteca",
        "",
        "Villa Fabbricotti, Viale della Libertà 30, Livorno",
        "Una postazione per un'ora. Porta la tessera della biblioteca.",
        "",
        "mar 09:00-13:00\nmer 09:00-13:00\ngio 09:00-13:00\ngio 14:00-18:00\nven 09:00-13:00\nsab 09:00-13:00\n",
        "60",
        "4",
        false,
        false,
    ),
    (
        "museo-fattori",
        "Museo civico Giovanni Fattori — visite guidate",
        "museo",
        "",
        "Villa Mimbelli, Via San Jacopo in Acquaviva 65, Livorno",
        "Visita guidata di un'ora per gruppi fino a 10 persone. La prenotazione è confermata dal museo.",
        "",
        "sab 10:00-12:00\ndom 10:00-12:00\ndom 15:00-17:00\n",
        "60",
        "1",
        true,
        true,
    ),
];

/// Who asks for the museum's tours of the day someone waits for.
const VISITORS: [(&str, &str); 4] = [
    ("Marta", "Gori"),
    ("Enrico", "Bini"),
    ("Silvia", "Nesti"),
    ("Tommaso", "Pieri"),
];

/// A booking of the demo: (calendar, days from today, slot number of the day, who, reason,
/// what happened: 'c' came, 'n' did not come, 'x' cancelled, '-' nothing yet).
const BOOKINGS: [(&str, i64, usize, Who, &str, char); 14] = [
    (
        "anagrafe",
        -3,
        0,
        Who::Persona("mario-rossi"),
        "Rinnovo carta d'identità",
        'c',
    ),
    (
        "anagrafe",
        -3,
        1,
        Who::Numbered(111, "Sara", "Lenzi"),
        "Carta d'identità per il figlio",
        'c',
    ),
    (
        "anagrafe",
        -2,
        0,
        Who::Numbered(112, "Piero", "Carli"),
        "Cambio di residenza: firma",
        'n',
    ),
    (
        "anagrafe",
        -2,
        3,
        Who::Persona("anna-neri"),
        "Certificato storico di residenza",
        'c',
    ),
    (
        "biblioteca-labronica",
        -1,
        0,
        Who::Numbered(113, "Giulia", "Masi"),
        "Sala studio",
        'c',
    ),
    (
        "biblioteca-labronica",
        -1,
        0,
        Who::Numbered(114, "Luca", "Orsini"),
        "Postazione internet",
        'n',
    ),
    (
        "anagrafe",
        0,
        2,
        Who::Numbered(115, "Irene", "Puccini"),
        "Rinnovo carta d'identità",
        '-',
    ),
    (
        "anagrafe",
        0,
        6,
        Who::Persona("omar-haddad"),
        "Cambio di residenza: firma",
        '-',
    ),
    (
        "anagrafe",
        1,
        0,
        Who::Numbered(116, "Franco", "Salvi"),
        "Rinnovo carta d'identità",
        '-',
    ),
    (
        "anagrafe",
        1,
        0,
        Who::Numbered(117, "Monica", "Ricci"),
        "Iscrizione anagrafica",
        '-',
    ),
    (
        "anagrafe",
        2,
        1,
        Who::Numbered(118, "Davide", "Neri"),
        "Carta d'identità",
        'x',
    ),
    (
        "biblioteca-labronica",
        2,
        1,
        Who::Numbered(119, "Alessia", "Bruni"),
        "Sala studio",
        '-',
    ),
    (
        "biblioteca-labronica",
        3,
        2,
        Who::Persona("mario-rossi"),
        "Postazione internet",
        '-',
    ),
    (
        "museo-fattori",
        6,
        0,
        Who::Numbered(120, "Chiara", "Pieri"),
        "Visita guidata per una classe",
        '-',
    ),
];

impl App {
    pub(super) async fn seed_demo_bookings(
        &self,
        app: &App,
        clock: &SeedClock,
    ) -> Result<(), AppError> {
        let (Some(office), Some(admin)) = (
            self.demo_staff_member("livorno.istruttore").await?,
            self.demo_staff_member("livorno.admin").await?,
        ) else {
            return Ok(());
        };
        let livorno = self.ente_by_istat(LIVORNO).await?.ente_id();
        let today = in_rome(self.now()).date();
        clock.set(self.days_ago(30, 0));
        for (
            code,
            name,
            kind,
            office_code,
            address,
            about,
            service,
            hours,
            minutes,
            places,
            moderated,
            holidays,
        ) in CALENDARS
        {
            let saved = app
                .bookings()
                .save_calendar(
                    &admin,
                    &CalendarInput {
                        code: code.into(),
                        name: name.into(),
                        kind: kind.into(),
                        office: office_code.into(),
                        address: address.into(),
                        about: about.into(),
                        service: service.into(),
                        hours: hours.into(),
                        slot_minutes: minutes.into(),
                        capacity: places.into(),
                        horizon_days: "60".into(),
                        cancel_hours: "24".into(),
                        closures: String::new(),
                        moderated,
                        open_on_holidays: holidays,
                        active: true,
                    },
                )
                .await?;
            if let Err(p) = saved {
                return Err(AppError::Internal(format!("demo calendar {code}: {p:?}")));
            }
        }
        for (n, (code, days, nth, who, reason, outcome)) in BOOKINGS.iter().enumerate() {
            let calendar = app.bookings().calendar(livorno, code).await?;
            let holidays = self.ente_calendar(livorno).await?;
            let date = open_day(&calendar, &holidays, today, *days);
            let slots = calendar.rules.slots_on(date, &holidays);
            let Some(slot) = slots.get(*nth).or(slots.last()).copied() else {
                continue;
            };
            // Booked a few days before, in the morning.
            let minute = i64::try_from(n).unwrap_or(0);
            let booked_at = from_rome(
                (date - Duration::days(4))
                    .with_time(Time::from_hms(9, 0, 0).unwrap_or(Time::MIDNIGHT)),
            ) + Duration::minutes(minute);
            clock.set(booked_at.min(slot.start - Duration::hours(30)));
            let citizen = Self::demo_identity(*who)?;
            let id = held_with_details(app, livorno, &citizen, code, slot.start, reason).await?;
            clock.set(
                booked_at.min(slot.start - Duration::hours(30))
                    + Duration::minutes(HOLD_MINUTES / 2),
            );
            let sent = app.bookings().send(livorno, &citizen, id).await?;
            match outcome {
                'c' | 'n' => {
                    clock.set(slot.end);
                    let act = if *outcome == 'c' {
                        OfficeAct::CheckIn
                    } else {
                        OfficeAct::NoShow
                    };
                    app.bookings().office_act(&office, id, act).await?;
                }
                'x' => {
                    clock.set(
                        (slot.start - Duration::hours(26)).min(self.now() - Duration::minutes(30)),
                    );
                    app.bookings()
                        .cancel(livorno, Manage::Resident(&citizen), id)
                        .await?;
                }
                _ => {}
            }
            debug_assert!(sent.state != BookingState::Held);
        }
        // Someone waits for a full day: the museum's next day of tours, each tour asked for by
        // someone (a request takes its place until the museum answers).
        let museum = app.bookings().calendar(livorno, "museo-fattori").await?;
        let holidays = self.ente_calendar(livorno).await?;
        // A Saturday (two tours; the museum opens on holidays) after the request above, so the
        // figures do not depend on the weekday the demo is started.
        let mut full_day = today + Duration::days(13);
        while full_day.weekday() != time::Weekday::Saturday {
            full_day += Duration::days(1);
        }
        clock.set(self.now() - Duration::hours(2));
        let tours = museum.rules.slots_on(full_day, &holidays);
        for (i, (slot, (given, family))) in tours.iter().zip(VISITORS.iter().cycle()).enumerate() {
            let n = u32::try_from(i).unwrap_or(0);
            let visitor = Self::demo_identity(Who::Numbered(130 + n, given, family))?;
            let tour = "Visita guidata per un gruppo";
            let id =
                match held_with_details(app, livorno, &visitor, "museo-fattori", slot.start, tour)
                    .await
                {
                    Ok(id) => id,
                    // Asked for already by one of the bookings above.
                    Err(AppError::Booking(crate::bookings::BookingProblem::Full)) => continue,
                    Err(e) => return Err(e),
                };
            app.bookings().send(livorno, &visitor, id).await?;
        }
        let waiting = Self::demo_identity(Who::Persona("anna-neri"))?;
        app.bookings()
            .wait(livorno, &waiting, "museo-fattori", full_day)
            .await?;
        // A walk-in at the registry office on the last open day before today.
        let calendar = app.bookings().calendar(livorno, "anagrafe").await?;
        let day = open_day(&calendar, &holidays, today, -1);
        if let Some(slot) = calendar.rules.slots_on(day, &holidays).get(4) {
            clock.set(slot.start + Duration::minutes(5));
            app.bookings()
                .walk_in(&office, "anagrafe", "Roberto Guidi", "Autentica di firma")
                .await?;
        }
        Ok(())
    }
}

/// A draft on `code`'s slot at `start` for `citizen`, with its reason and their name and
/// e-mail (the identity's, else a made-up one) written in: ready to send.
async fn held_with_details(
    app: &App,
    ente: sportello_domain::tenancy::EnteId,
    citizen: &sportello_domain::identity::CitizenIdentity,
    code: &str,
    start: time::OffsetDateTime,
    reason: &str,
) -> Result<i64, AppError> {
    let id = app
        .bookings()
        .hold(ente, citizen, code, sportello_store::to_millis(start), None)
        .await?;
    let email = citizen.email.clone().unwrap_or_else(|| {
        format!(
            "{}.{}@esempio.it",
            citizen.given_name.to_lowercase(),
            citizen.family_name.to_lowercase()
        )
    });
    let details = Details {
        subject: reason.into(),
        notes: String::new(),
        name: format!("{} {}", citizen.given_name, citizen.family_name),
        email,
        phone: String::new(),
    };
    if let Err(p) = app.bookings().details(ente, citizen, id, &details).await? {
        return Err(AppError::Internal(format!("demo booking {code}: {p:?}")));
    }
    Ok(id)
}

/// The day `days` from today, moved to the calendar's nearest open day: back in time for a
/// past day, forward for today and later.
fn open_day(
    calendar: &crate::bookings::CalendarView,
    holidays: &sportello_domain::procedure::deadlines::HolidayCalendar,
    today: time::Date,
    days: i64,
) -> time::Date {
    let step = if days < 0 { -1 } else { 1 };
    let mut date = today + Duration::days(days);
    for _ in 0..14 {
        if !calendar.rules.slots_on(date, holidays).is_empty() {
            break;
        }
        date += Duration::days(step);
    }
    date
}
