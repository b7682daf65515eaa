//! Bookings (prenotazioni, issue 20): the calendars of an ente's places, the places taken per
//! slot, the bookings and the waiting lists.
//!
//! Capacity holds under concurrency on both databases: a booking takes a place only through
//! `UPDATE booking_slots SET taken = taken + 1 WHERE … AND taken < capacity` inside the
//! transaction that writes it. PostgreSQL re-checks that condition on the row it locks after a
//! concurrent writer commits; SQLite runs one writer at a time. Every state change of a booking
//! is a conditional update on the state its mover saw, and gives its place back in the same
//! transaction.

use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::{RegionWide, TenantStore};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarRow {
    pub id: i64,
    pub ente_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub office_code: Option<String>,
    pub address: String,
    pub about: String,
    pub service_slug: Option<String>,
    pub hours: String,
    pub slot_minutes: i64,
    pub capacity: i64,
    pub moderated: i64,
    pub horizon_days: i64,
    pub cancel_hours: i64,
    pub open_on_holidays: i64,
    pub closures: String,
    pub active: i64,
}

const CALENDAR_COLUMNS: &str = "id, ente_id, code, name, kind, office_code, address, about, \
     service_slug, hours, slot_minutes, capacity, moderated, horizon_days, cancel_hours, \
     open_on_holidays, closures, active";

/// A calendar as its form saves it (by code: a new code adds one).
#[derive(Debug, Clone)]
pub struct CalendarSave<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub office_code: Option<&'a str>,
    pub address: &'a str,
    pub about: &'a str,
    pub service_slug: Option<&'a str>,
    pub hours: &'a str,
    pub slot_minutes: i64,
    pub capacity: i64,
    pub moderated: bool,
    pub horizon_days: i64,
    pub cancel_hours: i64,
    pub open_on_holidays: bool,
    pub closures: &'a str,
    pub active: bool,
    pub by: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BookingRow {
    pub id: i64,
    pub ente_id: i64,
    pub calendar_id: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub state: String,
    pub held_until: Option<i64>,
    pub fiscal_code: Option<String>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub subject: String,
    pub notes: String,
    pub service_slug: Option<String>,
    pub case_id: Option<String>,
    pub walk_in: i64,
    pub token_digest: String,
    pub sequence: i64,
    pub reminded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl BookingRow {
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

const BOOKING_COLUMNS: &str = "id, ente_id, calendar_id, start_ms, end_ms, state, held_until, \
     fiscal_code, name, email, phone, subject, notes, service_slug, case_id, walk_in, \
     token_digest, sequence, reminded_at, created_at, updated_at";

/// The states that take a place in their slot (the domain's `BookingState::takes_place`).
const TAKING: &str = "('bozza', 'richiesta', 'confermata', 'presente', 'assente')";

/// A place to take: a slot of a calendar with the calendar's capacity now.
#[derive(Debug, Clone, Copy)]
pub struct SlotClaim {
    pub calendar_id: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub capacity: i64,
}

/// Who holds a draft.
#[derive(Debug, Clone)]
pub struct Holder<'a> {
    pub fiscal_code: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub service_slug: Option<&'a str>,
    pub token_digest: &'a str,
}

/// What taking a place did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The new booking's id.
    Booked(i64),
    /// The slot is full.
    Full,
    /// This resident already has a booking (sent) in this slot.
    Already,
}

/// A mail to write in the same transaction: (to, subject, body, invitation).
pub type Mail<'a> = Option<(&'a str, &'a str, &'a str, Option<&'a str>)>;

/// A booking moved from one state to another (the `from` its mover saw).
#[derive(Debug, Clone)]
pub struct BookingMove<'a> {
    pub id: i64,
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub now_ms: i64,
    pub mail: Mail<'a>,
}

/// A booking line of an office's day, with its calendar's name.
#[derive(Debug, Clone)]
pub struct DayLine {
    pub booking: BookingRow,
    pub calendar: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WaitRow {
    pub id: i64,
    pub ente_id: i64,
    pub calendar_id: i64,
    pub day: String,
    pub fiscal_code: String,
    pub name: String,
    pub email: String,
    pub state: String,
    pub booking_id: Option<i64>,
    pub created_at: i64,
}

impl WaitRow {
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

const WAIT_COLUMNS: &str =
    "id, ente_id, calendar_id, day, fiscal_code, name, email, state, booking_id, created_at";

/// On PostgreSQL, makes the transaction the calendar's only writer of places until it ends:
/// every transaction that takes or gives back a place locks rows of bookings and slots, and in
/// different orders (a cancellation its booking then its slot; a new hold the slot's expired
/// drafts then the slot; a move two slots). One lock per calendar, taken before any of those
/// rows, and no two can wait for each other. SQLite has one writer already.
async fn lock_calendar(tx: &mut Tx, calendar_id: i64) -> Result<(), StoreError> {
    if tx.backend_name() == "SQLite" {
        return Ok(());
    }
    // 17003: this lock's class among the database's advisory locks.
    sqlx::query(
        "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(17003, CAST($1 AS INTEGER))) l",
    )
    .bind(calendar_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// Frees the place of drafts of the slot that ran out by `now` (inside `tx`).
async fn expire_in_slot(
    tx: &mut Tx,
    calendar_id: i64,
    start_ms: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let gone = sqlx::query(
        "UPDATE bookings SET state = 'scaduta', updated_at = $3 \
         WHERE calendar_id = $1 AND start_ms = $2 AND state = 'bozza' AND held_until < $3",
    )
    .bind(calendar_id)
    .bind(start_ms)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if gone > 0 {
        give_back(tx, calendar_id, start_ms, i64::try_from(gone).unwrap_or(0)).await?;
    }
    Ok(())
}

async fn give_back(tx: &mut Tx, calendar_id: i64, start_ms: i64, n: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE booking_slots SET taken = taken - $3 WHERE calendar_id = $1 AND start_ms = $2",
    )
    .bind(calendar_id)
    .bind(start_ms)
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a place in the slot if one is left (inside `tx`); whether it did.
async fn take_place(tx: &mut Tx, slot: SlotClaim, now_ms: i64) -> Result<bool, StoreError> {
    lock_calendar(tx, slot.calendar_id).await?;
    sqlx::query(
        "INSERT INTO booking_slots (calendar_id, start_ms, taken) VALUES ($1, $2, 0) \
         ON CONFLICT (calendar_id, start_ms) DO NOTHING",
    )
    .bind(slot.calendar_id)
    .bind(slot.start_ms)
    .execute(&mut **tx)
    .await?;
    expire_in_slot(tx, slot.calendar_id, slot.start_ms, now_ms).await?;
    Ok(sqlx::query(
        "UPDATE booking_slots SET taken = taken + 1 \
         WHERE calendar_id = $1 AND start_ms = $2 AND taken < $3",
    )
    .bind(slot.calendar_id)
    .bind(slot.start_ms)
    .bind(slot.capacity)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

impl TenantStore<'_> {
    pub async fn booking_calendars(&self) -> Result<Vec<CalendarRow>, StoreError> {
        Ok(sqlx::query_as::<_, CalendarRow>(&format!(
            "SELECT {CALENDAR_COLUMNS} FROM booking_calendars WHERE ente_id = $1 ORDER BY name, id"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn booking_calendar(&self, code: &str) -> Result<Option<CalendarRow>, StoreError> {
        Ok(sqlx::query_as::<_, CalendarRow>(&format!(
            "SELECT {CALENDAR_COLUMNS} FROM booking_calendars WHERE ente_id = $1 AND code = $2"
        ))
        .bind(self.ente().get())
        .bind(code)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn booking_calendar_by_id(&self, id: i64) -> Result<Option<CalendarRow>, StoreError> {
        Ok(sqlx::query_as::<_, CalendarRow>(&format!(
            "SELECT {CALENDAR_COLUMNS} FROM booking_calendars WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Adds or replaces a calendar (by its code).
    pub async fn save_booking_calendar(
        &self,
        c: &CalendarSave<'_>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO booking_calendars (ente_id, code, name, kind, office_code, address, about, \
             service_slug, hours, slot_minutes, capacity, moderated, horizon_days, cancel_hours, \
             open_on_holidays, closures, active, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (ente_id, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             office_code = excluded.office_code, address = excluded.address, about = excluded.about, \
             service_slug = excluded.service_slug, hours = excluded.hours, \
             slot_minutes = excluded.slot_minutes, capacity = excluded.capacity, \
             moderated = excluded.moderated, horizon_days = excluded.horizon_days, \
             cancel_hours = excluded.cancel_hours, open_on_holidays = excluded.open_on_holidays, \
             closures = excluded.closures, active = excluded.active, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(self.ente().get())
        .bind(c.code)
        .bind(c.name)
        .bind(c.kind)
        .bind(c.office_code)
        .bind(c.address)
        .bind(c.about)
        .bind(c.service_slug)
        .bind(c.hours)
        .bind(c.slot_minutes)
        .bind(c.capacity)
        .bind(i64::from(c.moderated))
        .bind(c.horizon_days)
        .bind(c.cancel_hours)
        .bind(i64::from(c.open_on_holidays))
        .bind(c.closures)
        .bind(i64::from(c.active))
        .bind(c.by)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    /// Places taken per slot of a calendar from `from_ms` to `to_ms` (drafts that ran out by
    /// `now_ms` not counted).
    pub async fn booking_taken(
        &self,
        calendar_id: i64,
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT b.start_ms, COUNT(*) FROM bookings b JOIN booking_calendars c ON c.id = b.calendar_id \
             WHERE c.ente_id = $1 AND b.calendar_id = $2 AND b.start_ms >= $3 AND b.start_ms < $4 \
             AND b.walk_in = 0 AND b.state IN {TAKING} AND (b.state <> 'bozza' OR b.held_until >= $5) \
             GROUP BY b.start_ms ORDER BY b.start_ms"
        ))
        .bind(self.ente().get())
        .bind(calendar_id)
        .bind(from_ms)
        .bind(to_ms)
        .bind(now_ms)
        .fetch_all(self.store().reader())
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// A draft in the slot for this resident, if a place is left; their other drafts of the
    /// calendar are given up in the same transaction (one draft at a time).
    pub async fn booking_hold(
        &self,
        slot: SlotClaim,
        who: &Holder<'_>,
        held_until: i64,
        now_ms: i64,
    ) -> Result<Taken, StoreError> {
        // One person holding two slots at once locks each slot's row, then gives back the
        // other's draft (its slot's row): on PostgreSQL the two can deadlock, and PostgreSQL
        // then aborts one of them whole. That one is simply tried again.
        let mut attempt = 0;
        loop {
            match self.booking_hold_once(slot, who, held_until, now_ms).await {
                Err(e) if attempt < 3 && is_deadlock(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    async fn booking_hold_once(
        &self,
        slot: SlotClaim,
        who: &Holder<'_>,
        held_until: i64,
        now_ms: i64,
    ) -> Result<Taken, StoreError> {
        let mut tx = self.store().begin().await?;
        // The slot's row first: on PostgreSQL its lock orders everyone who asks for this slot,
        // so the checks below see what the one before committed.
        if !take_place(&mut tx, slot, now_ms).await? {
            return Ok(Taken::Full);
        }
        if self.booked_in(&mut tx, slot, who.fiscal_code).await? {
            // Rolled back: the place taken above is not kept.
            return Ok(Taken::Already);
        }
        self.drop_drafts(&mut tx, slot.calendar_id, who.fiscal_code, None, now_ms)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO bookings (ente_id, calendar_id, start_ms, end_ms, state, held_until, \
             fiscal_code, name, email, phone, subject, notes, service_slug, walk_in, token_digest, \
             sequence, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'bozza', $5, $6, $7, $8, '', '', '', $9, 0, $10, 0, $11, $11) RETURNING id",
        )
        .bind(self.ente().get())
        .bind(slot.calendar_id)
        .bind(slot.start_ms)
        .bind(slot.end_ms)
        .bind(held_until)
        .bind(who.fiscal_code)
        .bind(who.name)
        .bind(who.email)
        .bind(who.service_slug)
        .bind(who.token_digest)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Taken::Booked(id))
    }

    /// Whether this resident has a booking sent in the slot (inside `tx`, after the slot's
    /// row is locked).
    async fn booked_in(
        &self,
        tx: &mut Tx,
        slot: SlotClaim,
        fiscal_code: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM bookings WHERE ente_id = $1 AND calendar_id = $2 AND start_ms = $3 \
             AND fiscal_code = $4 AND state IN ('richiesta', 'confermata')",
        )
        .bind(self.ente().get())
        .bind(slot.calendar_id)
        .bind(slot.start_ms)
        .bind(fiscal_code)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
    }

    /// Lets go of the resident's other drafts in a calendar (all but `except`): one draft at a
    /// time per place. Their places are given back.
    async fn drop_drafts(
        &self,
        tx: &mut Tx,
        calendar_id: i64,
        fiscal_code: &str,
        except: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let previous = sqlx::query(
            "SELECT id, start_ms FROM bookings WHERE ente_id = $1 AND calendar_id = $2 \
             AND fiscal_code = $3 AND state = 'bozza'",
        )
        .bind(self.ente().get())
        .bind(calendar_id)
        .bind(fiscal_code)
        .fetch_all(&mut **tx)
        .await?;
        for p in previous {
            let (id, start): (i64, i64) = (p.get(0), p.get(1));
            if Some(id) == except {
                continue;
            }
            let done = sqlx::query(
                "UPDATE bookings SET state = 'scaduta', updated_at = $2 WHERE id = $1 AND state = 'bozza'",
            )
            .bind(id)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 1 {
                give_back(tx, calendar_id, start, 1).await?;
            }
        }
        Ok(())
    }

    /// Holds again a draft of this resident that ran out, with what was typed in it, if its
    /// slot still has a place: until `held_until`. `Full` when the place went (or the draft
    /// is no longer one that ran out).
    pub async fn booking_renew(
        &self,
        id: i64,
        fiscal_code: &str,
        slot: SlotClaim,
        held_until: i64,
        now_ms: i64,
    ) -> Result<Taken, StoreError> {
        let mut tx = self.store().begin().await?;
        // Taking a place first lets the slot's drafts that ran out go — this one with them,
        // if the jobs had not yet — so the count stays exact.
        if !take_place(&mut tx, slot, now_ms).await? {
            return Ok(Taken::Full);
        }
        if self.booked_in(&mut tx, slot, fiscal_code).await? {
            return Ok(Taken::Already);
        }
        self.drop_drafts(&mut tx, slot.calendar_id, fiscal_code, Some(id), now_ms)
            .await?;
        let renewed = sqlx::query(
            "UPDATE bookings SET state = 'bozza', held_until = $1, updated_at = $2 \
             WHERE ente_id = $3 AND id = $4 AND fiscal_code = $5 AND calendar_id = $6 \
             AND start_ms = $7 AND state = 'scaduta'",
        )
        .bind(held_until)
        .bind(now_ms)
        .bind(self.ente().get())
        .bind(id)
        .bind(fiscal_code)
        .bind(slot.calendar_id)
        .bind(slot.start_ms)
        .execute(&mut *tx)
        .await?;
        if renewed.rows_affected() != 1 {
            return Ok(Taken::Full);
        }
        tx.commit().await?;
        Ok(Taken::Booked(id))
    }

    pub async fn booking(&self, id: i64) -> Result<Option<BookingRow>, StoreError> {
        Ok(sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Writes a draft's details (still a draft, still held).
    #[allow(clippy::too_many_arguments)] // the form's fields
    pub async fn booking_details(
        &self,
        id: i64,
        subject: &str,
        notes: &str,
        name: &str,
        email: &str,
        phone: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE bookings SET subject = $3, notes = $4, name = $5, email = $6, phone = $7, \
             updated_at = $8 WHERE ente_id = $1 AND id = $2 AND state = 'bozza' AND held_until >= $8",
        )
        .bind(self.ente().get())
        .bind(id)
        .bind(subject)
        .bind(notes)
        .bind(name)
        .bind(email)
        .bind(phone)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// A draft sent: confirmed or requested, if still held; with its mail.
    pub async fn booking_send(
        &self,
        id: i64,
        to: &str,
        token_digest: &str,
        now_ms: i64,
        mail: Mail<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store().begin().await?;
        let done = sqlx::query(
            "UPDATE bookings SET state = $3, held_until = NULL, sequence = sequence + 1, updated_at = $4, \
             token_digest = $5 WHERE ente_id = $1 AND id = $2 AND state = 'bozza' AND held_until >= $4",
        )
        .bind(self.ente().get())
        .bind(id)
        .bind(to)
        .bind(now_ms)
        .bind(token_digest)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE booking_waitlist SET state = 'presa' WHERE booking_id = $1 AND state = 'offerta'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some((to, subject, body, ics)) = mail {
            Store::enqueue_invitation(&mut tx, now_ms, to, subject, body, ics).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a booking between states; a move out of the states that take a place gives it
    /// back. Whether it moved (the state was one of `from`).
    pub async fn booking_move(&self, m: &BookingMove<'_>) -> Result<bool, StoreError> {
        let mut tx = self.store().begin().await?;
        let row = sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(m.id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if !m.from.contains(&row.state.as_str()) {
            return Ok(false);
        }
        // The calendar's lock before the booking's row, as a hold and a move take it.
        lock_calendar(&mut tx, row.calendar_id).await?;
        let done = sqlx::query(
            "UPDATE bookings SET state = $3, held_until = NULL, updated_at = $4, \
             sequence = sequence + CASE WHEN $3 = 'annullata' OR $3 = 'rifiutata' THEN 1 ELSE 0 END \
             WHERE ente_id = $1 AND id = $2 AND state = $5",
        )
        .bind(self.ente().get())
        .bind(m.id)
        .bind(m.to)
        .bind(m.now_ms)
        .bind(&row.state)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let took = TAKING.contains(&format!("'{}'", row.state));
        let takes = TAKING.contains(&format!("'{}'", m.to));
        if took && !takes && row.walk_in == 0 {
            give_back(&mut tx, row.calendar_id, row.start_ms, 1).await?;
        }
        if let Some((to, subject, body, ics)) = m.mail {
            Store::enqueue_invitation(&mut tx, m.now_ms, to, subject, body, ics).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a live booking to another slot of its calendar, if a place is left there: the new
    /// place is taken and the old one given back in one transaction.
    pub async fn booking_reschedule(
        &self,
        id: i64,
        seen_start_ms: i64,
        to: SlotClaim,
        now_ms: i64,
        mail: Mail<'_>,
    ) -> Result<Taken, StoreError> {
        let mut tx = self.store().begin().await?;
        // The calendar's lock first (in `take_place`), then the rows.
        if !take_place(&mut tx, to, now_ms).await? {
            return Ok(Taken::Full);
        }
        let done = sqlx::query(
            "UPDATE bookings SET start_ms = $3, end_ms = $4, sequence = sequence + 1, \
             reminded_at = NULL, updated_at = $5 WHERE ente_id = $1 AND id = $2 AND start_ms = $6 \
             AND calendar_id = $7 AND state IN ('richiesta', 'confermata')",
        )
        .bind(self.ente().get())
        .bind(id)
        .bind(to.start_ms)
        .bind(to.end_ms)
        .bind(now_ms)
        .bind(seen_start_ms)
        .bind(to.calendar_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            // Rolled back: the new place is not kept.
            return Ok(Taken::Full);
        }
        give_back(&mut tx, to.calendar_id, seen_start_ms, 1).await?;
        if let Some((to, subject, body, ics)) = mail {
            Store::enqueue_invitation(&mut tx, now_ms, to, subject, body, ics).await?;
        }
        tx.commit().await?;
        Ok(Taken::Booked(id))
    }

    /// The bookings of the ente's calendars (of one office's, when named) from `from_ms` to
    /// `to_ms`, drafts left out, in order of time.
    pub async fn booking_day(
        &self,
        office_code: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<DayLine>, StoreError> {
        let columns = BOOKING_COLUMNS
            .split(", ")
            .map(|c| format!("b.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, c.name AS calendar_name FROM bookings b \
             JOIN booking_calendars c ON c.id = b.calendar_id \
             WHERE b.ente_id = $1 AND b.start_ms >= $2 AND b.start_ms < $3 AND b.state <> 'bozza' \
             AND b.state <> 'scaduta' AND ($4 = '' OR c.office_code = $4 OR c.office_code IS NULL) \
             ORDER BY b.start_ms, b.id"
        ))
        .bind(self.ente().get())
        .bind(from_ms)
        .bind(to_ms)
        .bind(office_code.unwrap_or(""))
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DayLine {
                    booking: <BookingRow as sqlx::FromRow<_>>::from_row(r)?,
                    calendar: r.try_get("calendar_name")?,
                })
            })
            .collect()
    }

    /// A walk-in: someone at the desk added to the day's plan (present already; no place of a
    /// slot is taken from those who booked).
    #[allow(clippy::too_many_arguments)] // the desk's fields
    pub async fn booking_walk_in(
        &self,
        calendar_id: i64,
        start_ms: i64,
        end_ms: i64,
        name: &str,
        subject: &str,
        token_digest: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO bookings (ente_id, calendar_id, start_ms, end_ms, state, fiscal_code, \
             name, email, phone, subject, notes, walk_in, token_digest, sequence, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'presente', NULL, $5, '', '', $6, '', 1, $7, 0, $8, $8) RETURNING id",
        )
        .bind(self.ente().get())
        .bind(calendar_id)
        .bind(start_ms)
        .bind(end_ms)
        .bind(name)
        .bind(subject)
        .bind(token_digest)
        .bind(now_ms)
        .fetch_one(&self.store().write_pool())
        .await?)
    }

    /// The case (application) the ente registered with this protocol number and year.
    pub async fn case_by_protocol(
        &self,
        year: i64,
        number: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT application_id FROM protocol_registrations WHERE ente_id = $1 AND year = $2 \
             AND number = $3 AND application_id IS NOT NULL ORDER BY id LIMIT 1",
        )
        .bind(self.ente().get())
        .bind(year)
        .bind(number)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Links a booking to one of the ente's cases (None: unlinks).
    pub async fn booking_link_case(
        &self,
        id: i64,
        case_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("UPDATE bookings SET case_id = $3 WHERE ente_id = $1 AND id = $2")
                .bind(self.ente().get())
                .bind(id)
                .bind(case_id)
                .execute(&self.store().write_pool())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Puts a resident on a day's waiting list (once: a second time changes nothing). Whether
    /// they were added.
    pub async fn booking_wait(
        &self,
        calendar_id: i64,
        day: &str,
        fiscal_code: &str,
        name: &str,
        email: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO booking_waitlist (ente_id, calendar_id, day, fiscal_code, name, email, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'attesa', $7) \
             ON CONFLICT (calendar_id, day, fiscal_code) DO NOTHING",
        )
        .bind(self.ente().get())
        .bind(calendar_id)
        .bind(day)
        .bind(fiscal_code)
        .bind(name)
        .bind(email)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// The first person waiting on a day: a place of `slot` is taken for them as a draft held
    /// until `held_until`, and their entry marked offered, in one transaction. None if nobody
    /// waits or the place went meanwhile.
    pub async fn booking_offer(
        &self,
        slot: SlotClaim,
        day: &str,
        token_digest: &str,
        held_until: i64,
        now_ms: i64,
    ) -> Result<Option<(WaitRow, i64)>, StoreError> {
        let mut tx = self.store().begin().await?;
        let first = sqlx::query_as::<_, WaitRow>(&format!(
            "SELECT {WAIT_COLUMNS} \
             FROM booking_waitlist WHERE ente_id = $1 AND calendar_id = $2 AND day = $3 \
             AND state = 'attesa' ORDER BY id LIMIT 1",
        ))
        .bind(self.ente().get())
        .bind(slot.calendar_id)
        .bind(day)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(first) = first else {
            return Ok(None);
        };
        if !take_place(&mut tx, slot, now_ms).await? {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO bookings (ente_id, calendar_id, start_ms, end_ms, state, held_until, \
             fiscal_code, name, email, phone, subject, notes, walk_in, token_digest, sequence, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'bozza', $5, $6, $7, $8, '', '', '', 0, $9, 0, $10, $10) RETURNING id",
        )
        .bind(self.ente().get())
        .bind(slot.calendar_id)
        .bind(slot.start_ms)
        .bind(slot.end_ms)
        .bind(held_until)
        .bind(&first.fiscal_code)
        .bind(&first.name)
        .bind(&first.email)
        .bind(token_digest)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let marked = sqlx::query(
            "UPDATE booking_waitlist SET state = 'offerta', booking_id = $2 WHERE id = $1 AND state = 'attesa'",
        )
        .bind(first.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some((first, id)))
    }

    /// Every booking of the ente that was sent (drafts left out): (calendar, start, state,
    /// walk-in) — for the counts by place and month. At most 1,000,000.
    pub async fn booking_facts(&self) -> Result<Vec<(i64, i64, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT calendar_id, start_ms, state, walk_in FROM bookings WHERE ente_id = $1 \
             AND state <> 'bozza' AND state <> 'scaduta' ORDER BY start_ms LIMIT 1000000",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// Takes a resident off a waiting list they are still waiting on. Whether they were on it.
    pub async fn booking_unwait(&self, id: i64, fiscal_code: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "DELETE FROM booking_waitlist WHERE ente_id = $1 AND id = $2 AND fiscal_code = $3 \
             AND state = 'attesa'",
        )
        .bind(self.ente().get())
        .bind(id)
        .bind(fiscal_code)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Whether this resident waits on that day.
    pub async fn booking_waiting(
        &self,
        calendar_id: i64,
        day: &str,
        fiscal_code: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM booking_waitlist WHERE ente_id = $1 AND calendar_id = $2 AND day = $3 \
             AND fiscal_code = $4 AND state = 'attesa'",
        )
        .bind(self.ente().get())
        .bind(calendar_id)
        .bind(day)
        .bind(fiscal_code)
        .fetch_optional(self.store().reader())
        .await?
        .is_some())
    }
}

impl RegionWide<'_> {
    /// The days a resident still waits for, in every ente, from `from_day` (AAAA-MM-GG) on,
    /// the nearest first.
    pub async fn waits_of(
        &self,
        fiscal_code: &str,
        from_day: &str,
    ) -> Result<Vec<WaitRow>, StoreError> {
        Ok(sqlx::query_as::<_, WaitRow>(&format!(
            "SELECT {WAIT_COLUMNS} FROM booking_waitlist WHERE fiscal_code = $1 \
             AND state = 'attesa' AND day >= $2 ORDER BY day, id LIMIT 100"
        ))
        .bind(fiscal_code)
        .bind(from_day)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// A resident's bookings in every ente (expired drafts left out; a draft still held —
    /// one kept for them from the waiting list — in), newest slot first.
    pub async fn bookings_of(
        &self,
        fiscal_code: &str,
        now_ms: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        Ok(sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE fiscal_code = $1 \
             AND state <> 'scaduta' AND (state <> 'bozza' OR held_until >= $2) \
             ORDER BY start_ms DESC, id DESC LIMIT 200"
        ))
        .bind(fiscal_code)
        .bind(now_ms)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// A booking by the digest of its e-mail link's secret.
    pub async fn booking_by_token(&self, digest: &str) -> Result<Option<BookingRow>, StoreError> {
        Ok(sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE token_digest = $1"
        ))
        .bind(digest)
        .fetch_optional(self.store.reader())
        .await?)
    }

    /// Confirmed bookings from `from_ms` to `to_ms` not reminded yet.
    pub async fn bookings_to_remind(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        Ok(sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE state = 'confermata' \
             AND reminded_at IS NULL AND walk_in = 0 AND start_ms >= $1 AND start_ms < $2 ORDER BY id"
        ))
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// Marks a booking reminded, with its mail, once (a second process finds it done).
    pub async fn booking_reminded(
        &self,
        id: i64,
        now_ms: i64,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let done = sqlx::query(
            "UPDATE bookings SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL AND state = 'confermata'",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        Store::enqueue_notification(&mut tx, now_ms, to, subject, body).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Drafts that ran out by `now_ms`: (ente, booking) — for the job that frees their places
    /// and offers them to who waits.
    pub async fn bookings_expired_drafts(
        &self,
        now_ms: i64,
    ) -> Result<Vec<BookingRow>, StoreError> {
        Ok(sqlx::query_as::<_, BookingRow>(&format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE state = 'bozza' AND held_until < $1 ORDER BY id LIMIT 500"
        ))
        .bind(now_ms)
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The places taken of a slot, as counted (for tests and checks).
    pub async fn booking_slot_taken(
        &self,
        calendar_id: i64,
        start_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT taken FROM booking_slots WHERE calendar_id = $1 AND start_ms = $2",
        )
        .bind(calendar_id)
        .bind(start_ms)
        .fetch_optional(self.store.reader())
        .await?
        .unwrap_or(0))
    }

    /// Bookings that take a place in a slot, counted from the bookings themselves.
    pub async fn booking_slot_count(
        &self,
        calendar_id: i64,
        start_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM bookings WHERE calendar_id = $1 AND start_ms = $2 \
             AND walk_in = 0 AND state IN {TAKING}"
        ))
        .bind(calendar_id)
        .bind(start_ms)
        .fetch_one(self.store.reader())
        .await?)
    }
}

/// Whether PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01): nothing of
/// it was kept, and it may be tried again.
fn is_deadlock(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(sqlx::Error::Database(d)) if d.code().as_deref() == Some("40P01"))
}
