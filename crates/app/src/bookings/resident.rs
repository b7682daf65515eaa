//! What a resident does: takes a draft on a slot, fills in its details and who comes, sends it,
//! and later cancels or moves it — signed in, or from the e-mail's link; joins a day's waiting
//! list.

use sportello_domain::bookings::{ics, IcsEvent, IcsMethod, HOLD_MINUTES};
use sportello_store::{BookingMove, Holder, Taken};

use super::*;

/// The details and «who» steps as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub subject: String,
    pub notes: String,
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// Who may change a booking: its resident signed in, or whoever has its e-mail's link.
#[derive(Debug, Clone, Copy)]
pub enum Manage<'a> {
    Resident(&'a CitizenIdentity),
    Link(&'a str),
}

fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        })
}

impl Details {
    /// Checks the details: every problem found.
    pub fn check(&self) -> Result<Details, Vec<BookingProblem>> {
        let clean = |s: &str, max: usize| -> String {
            s.trim()
                .chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .take(max)
                .collect()
        };
        let out = Details {
            subject: clean(&self.subject, 200),
            notes: clean(&self.notes, 1_000),
            name: clean(&self.name, 120),
            email: clean(&self.email, 254),
            phone: clean(&self.phone, 30),
        };
        let mut problems = Vec::new();
        if out.subject.is_empty() || self.subject.trim().chars().count() > 200 {
            problems.push(BookingProblem::Subject);
        }
        if out.name.chars().count() < 2 || self.name.trim().chars().count() > 120 {
            problems.push(BookingProblem::Name);
        }
        if !valid_email(&out.email) {
            problems.push(BookingProblem::Email);
        }
        let digits = out.phone.chars().filter(char::is_ascii_digit).count();
        if !out.phone.is_empty()
            && (!(6..=15).contains(&digits)
                || !out
                    .phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-/().".contains(c)))
        {
            problems.push(BookingProblem::Phone);
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

impl Bookings<'_> {
    /// A draft on the slot starting at `start_ms`: the slot is kept for [`HOLD_MINUTES`]. Told
    /// at once if it is full.
    pub async fn hold(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        calendar: &str,
        start_ms: i64,
        service: Option<&str>,
    ) -> Result<i64, AppError> {
        let calendar = self.calendar(ente, calendar).await?;
        let slot = self.bookable_slot(ente, &calendar, start_ms).await?;
        let now = self.app.now();
        let until = (now + Duration::minutes(HOLD_MINUTES)).min(slot.start);
        let name = format!("{} {}", citizen.given_name, citizen.family_name);
        let taken = self
            .store()
            .tenant(ente)
            .booking_hold(
                calendar.claim(&slot),
                &Holder {
                    fiscal_code: citizen.fiscal_code.as_str(),
                    name: name.trim(),
                    email: citizen.email.as_deref().unwrap_or(""),
                    service_slug: service.or(calendar.row.service_slug.as_deref()),
                    token_digest: &digest(&crate::crypto::random_token(24)),
                },
                to_millis(until),
                to_millis(now),
            )
            .await?;
        match taken {
            Taken::Booked(id) => Ok(id),
            Taken::Full => Err(BookingProblem::Full.into()),
            Taken::Already => Err(BookingProblem::Already.into()),
        }
    }

    /// A resident's booking (404 for anyone else's).
    pub async fn own(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .booking(id)
            .await?
            .filter(|b| b.fiscal_code.as_deref() == Some(citizen.fiscal_code.as_str()))
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// The resident's draft, still held (refused as expired otherwise).
    pub async fn draft(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let view = self.own(ente, citizen, id).await?;
        if !self.still_held(&view) {
            return Err(BookingProblem::Expired.into());
        }
        Ok(view)
    }

    /// Whether a draft still keeps its place now.
    fn still_held(&self, view: &BookingView) -> bool {
        view.state == BookingState::Held
            && view
                .row
                .held_until
                .is_some_and(|t| t >= to_millis(self.app.now()))
    }

    /// The resident's draft that ran out, held again for [`HOLD_MINUTES`] with what was typed
    /// in it, if its slot still has a place (refused as expired otherwise). A draft still
    /// held is given as it is.
    pub async fn renew(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let view = self.own(ente, citizen, id).await?;
        if self.still_held(&view) {
            return Ok(view);
        }
        if !matches!(view.state, BookingState::Held | BookingState::Expired) {
            return Err(BookingProblem::Expired.into());
        }
        let slot = match self
            .bookable_slot(ente, &view.calendar, view.row.start_ms)
            .await
        {
            Ok(s) => s,
            Err(_) => return Err(BookingProblem::Expired.into()),
        };
        let now = self.app.now();
        let until = (now + Duration::minutes(HOLD_MINUTES)).min(slot.start);
        match self
            .store()
            .tenant(ente)
            .booking_renew(
                id,
                citizen.fiscal_code.as_str(),
                view.calendar.claim(&slot),
                to_millis(until),
                to_millis(now),
            )
            .await?
        {
            Taken::Booked(_) => self.draft(ente, citizen, id).await,
            Taken::Full => Err(BookingProblem::Expired.into()),
            Taken::Already => Err(BookingProblem::Already.into()),
        }
    }

    /// Writes the draft's details (the «details» and «who» steps).
    pub async fn details(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
        details: &Details,
    ) -> Result<Result<BookingView, Vec<BookingProblem>>, AppError> {
        self.draft(ente, citizen, id).await?;
        let checked = match details.check() {
            Ok(d) => d,
            Err(p) => return Ok(Err(p)),
        };
        let written = self
            .store()
            .tenant(ente)
            .booking_details(
                id,
                &checked.subject,
                &checked.notes,
                &checked.name,
                &checked.email,
                &checked.phone,
                to_millis(self.app.now()),
            )
            .await?;
        if !written {
            return Err(BookingProblem::Expired.into());
        }
        Ok(Ok(self.own(ente, citizen, id).await?))
    }

    /// The invitation for a booking, for `method`.
    fn invitation(&self, view: &BookingView, method: IcsMethod, sequence: i64) -> String {
        let host = url::Url::parse(&self.app.settings.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "sportello.invalid".into());
        ics(&IcsEvent {
            method,
            uid: &format!("booking-{}@{host}", view.row.id),
            sequence: u32::try_from(sequence).unwrap_or(0),
            stamp: self.app.now(),
            start: view.start,
            end: view.end,
            summary: &format!("Appuntamento: {}", view.calendar.row.name),
            location: &view.calendar.row.address,
            description: &format!(
                "{} — {}\n{}",
                view.code, view.row.subject, view.calendar.row.about
            ),
            organizer: &format!("prenotazioni@{host}"),
            attendee: &view.row.email,
            tentative: view.calendar.rules.moderated,
        })
    }

    /// Sends the draft: confirmed at once, or — on a moderated calendar — requested. The
    /// e-mail (with the `.ics` invitation) is written in the same transaction.
    pub async fn send(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let view = self.draft(ente, citizen, id).await?;
        let written = Details {
            subject: view.row.subject.clone(),
            notes: view.row.notes.clone(),
            name: view.row.name.clone(),
            email: view.row.email.clone(),
            phone: view.row.phone.clone(),
        };
        if written.check().is_err() {
            return Err(BookingProblem::Subject.into());
        }
        let moderated = view.calendar.rules.moderated;
        let to = if moderated {
            BookingState::Requested
        } else {
            BookingState::Confirmed
        };
        let token = crate::crypto::random_token(24);
        let ente_row = self.app.ente_by_id(ente).await?;
        let (subject, lead) = if moderated {
            (
                format!("Richiesta di appuntamento inviata: {}", view.calendar.row.name),
                "Abbiamo ricevuto la tua richiesta di appuntamento. Non è ancora confermata: l'ufficio ti scriverà.",
            )
        } else {
            (
                format!("Appuntamento confermato: {}", view.calendar.row.name),
                "Il tuo appuntamento è confermato.",
            )
        };
        let body = format!(
            "{lead}\n\n{} — {}\n{}\n{}\nMotivo: {}\n\nIn allegato l'invito per il tuo calendario. Puoi annullare o spostare l'appuntamento fino a {} ore prima:\n{}/{}/prenotazioni/gestisci/{}\n\nComune di {} — messaggio automatico.\n",
            view.code,
            view.calendar.row.name,
            italian_when(view.start),
            view.calendar.row.address,
            view.row.subject,
            view.calendar.rules.cancel_hours,
            self.app.settings.public_url,
            ente_row.slug,
            token,
            ente_row.name,
        );
        let invitation = self.invitation(&view, IcsMethod::Request, view.row.sequence + 1);
        let sent = self
            .store()
            .tenant(ente)
            .booking_send(
                id,
                to.code(),
                &digest(&token),
                to_millis(self.app.now()),
                Some((&view.row.email, &subject, &body, Some(&invitation))),
            )
            .await?;
        if !sent {
            return Err(BookingProblem::Expired.into());
        }
        self.own(ente, citizen, id).await
    }

    /// The invitation of a resident's booking as it stands (a cancelled or declined one
    /// withdraws the event).
    pub async fn invitation_of(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<String, AppError> {
        let view = self.own(ente, citizen, id).await?;
        let method = match view.state {
            BookingState::Requested | BookingState::Confirmed | BookingState::Attended => {
                IcsMethod::Request
            }
            BookingState::Cancelled | BookingState::Declined | BookingState::NoShow => {
                IcsMethod::Cancel
            }
            BookingState::Held | BookingState::Expired => return Err(AppError::NotFound),
        };
        Ok(self.invitation(&view, method, view.row.sequence))
    }

    /// A booking by its e-mail link's secret: its ente and the booking.
    pub async fn by_link(&self, token: &str) -> Result<(EnteId, BookingView), AppError> {
        let row = self
            .store()
            .region_wide()
            .booking_by_token(&digest(token))
            .await?
            .filter(|b| b.walk_in == 0 && b.state != "bozza")
            .ok_or(AppError::NotFound)?;
        let ente = row.ente();
        Ok((ente, self.view(ente, row).await?))
    }

    async fn managed(
        &self,
        ente: EnteId,
        who: Manage<'_>,
        id: i64,
    ) -> Result<BookingView, AppError> {
        match who {
            Manage::Resident(c) => self.own(ente, c, id).await,
            Manage::Link(token) => {
                let (of, view) = self.by_link(token).await?;
                if of != ente || view.row.id != id {
                    return Err(AppError::NotFound);
                }
                Ok(view)
            }
        }
    }

    /// Cancels a live booking before the calendar's limit; the place goes to who waits first.
    pub async fn cancel(
        &self,
        ente: EnteId,
        who: Manage<'_>,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let (view, ente_row) = self.changeable(ente, who, id).await?;
        let subject = format!("Appuntamento annullato: {}", view.calendar.row.name);
        let body = format!(
            "L'appuntamento {} ({}, {}) è annullato.\n\nComune di {} — messaggio automatico.\n",
            view.code,
            view.calendar.row.name,
            italian_when(view.start),
            ente_row.name,
        );
        let invitation = self.invitation(&view, IcsMethod::Cancel, view.row.sequence + 1);
        let mail = view.row.email.contains('@').then_some((
            view.row.email.as_str(),
            subject.as_str(),
            body.as_str(),
            Some(invitation.as_str()),
        ));
        let moved = self
            .store()
            .tenant(ente)
            .booking_move(&BookingMove {
                id,
                from: &["richiesta", "confermata"],
                to: BookingState::Cancelled.code(),
                now_ms: to_millis(self.app.now()),
                mail,
            })
            .await?;
        if !moved {
            return Err(BookingProblem::NotNow.into());
        }
        self.offer_freed(ente, &view.calendar, view.row.start_ms)
            .await?;
        let row = self
            .store()
            .tenant(ente)
            .booking(id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(self.view_with(view.calendar, row))
    }

    /// Moves a live booking to another slot of its calendar, if a place is left there; the
    /// old place goes to who waits first.
    pub async fn reschedule(
        &self,
        ente: EnteId,
        who: Manage<'_>,
        id: i64,
        start_ms: i64,
    ) -> Result<BookingView, AppError> {
        let (view, ente_row) = self.changeable(ente, who, id).await?;
        let slot = self.bookable_slot(ente, &view.calendar, start_ms).await?;
        if to_millis(slot.start) == view.row.start_ms {
            return Err(BookingProblem::SameSlot.into());
        }
        let moved_view = BookingView {
            start: in_rome(slot.start),
            end: in_rome(slot.end),
            ..view.clone()
        };
        let subject = format!("Appuntamento spostato: {}", view.calendar.row.name);
        let body = format!(
            "L'appuntamento {} ({}) è spostato a {}.\n\nL'invito allegato aggiorna il tuo calendario.\n\nComune di {} — messaggio automatico.\n",
            view.code,
            view.calendar.row.name,
            italian_when(moved_view.start),
            ente_row.name,
        );
        let invitation = self.invitation(&moved_view, IcsMethod::Request, view.row.sequence + 1);
        let mail = view.row.email.contains('@').then_some((
            view.row.email.as_str(),
            subject.as_str(),
            body.as_str(),
            Some(invitation.as_str()),
        ));
        let taken = self
            .store()
            .tenant(ente)
            .booking_reschedule(
                id,
                view.row.start_ms,
                view.calendar.claim(&slot),
                to_millis(self.app.now()),
                mail,
            )
            .await?;
        if taken != Taken::Booked(id) {
            return Err(BookingProblem::Full.into());
        }
        self.offer_freed(ente, &view.calendar, view.row.start_ms)
            .await?;
        self.managed(ente, who, id).await
    }

    /// A booking its resident (or the link's holder) may still change, with its ente.
    async fn changeable(
        &self,
        ente: EnteId,
        who: Manage<'_>,
        id: i64,
    ) -> Result<(BookingView, sportello_store::EnteRow), AppError> {
        let view = self.managed(ente, who, id).await?;
        if !view.state.is_live() {
            return Err(BookingProblem::NotNow.into());
        }
        if !view.may_change {
            return Err(BookingProblem::TooLate.into());
        }
        Ok((view, self.app.ente_by_id(ente).await?))
    }

    /// Joins the waiting list of a day of a calendar (once). Whether they were added.
    pub async fn wait(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        calendar: &str,
        date: Date,
    ) -> Result<bool, AppError> {
        let calendar = self.calendar(ente, calendar).await?;
        let email = citizen
            .email
            .clone()
            .filter(|e| valid_email(e))
            .ok_or(BookingProblem::Email)?;
        let day = self.day(ente, &calendar, date).await?;
        if day.is_empty() {
            return Err(BookingProblem::NotBookable.into());
        }
        // A day with a place left is booked, not waited for.
        if day.iter().any(|s| s.free > 0) {
            return Err(BookingProblem::NotFull.into());
        }
        let name = format!("{} {}", citizen.given_name, citizen.family_name);
        Ok(self
            .store()
            .tenant(ente)
            .booking_wait(
                calendar.row.id,
                &date.to_string(),
                citizen.fiscal_code.as_str(),
                name.trim(),
                &email,
                to_millis(self.app.now()),
            )
            .await?)
    }

    /// Whether the resident waits for that day.
    pub async fn waiting(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        calendar: &CalendarView,
        date: Date,
    ) -> Result<bool, AppError> {
        Ok(self
            .store()
            .tenant(ente)
            .booking_waiting(
                calendar.row.id,
                &date.to_string(),
                citizen.fiscal_code.as_str(),
            )
            .await?)
    }

    /// The days a resident waits for, in every ente, from today: each with its ente's slug and
    /// name, the place, and the day.
    pub async fn waits(
        &self,
        citizen: &CitizenIdentity,
    ) -> Result<Vec<(String, String, Waiting)>, AppError> {
        let today = sportello_domain::calendar::in_rome(self.app.now()).date();
        let rows = self
            .store()
            .region_wide()
            .waits_of(citizen.fiscal_code.as_str(), &today.to_string())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let ente = self.app.ente_by_id(row.ente()).await?;
            let calendar = self.calendar_by_id(ente.ente_id(), row.calendar_id).await?;
            let Ok(day) = Date::parse(
                &row.day,
                &time::format_description::well_known::Iso8601::DATE,
            ) else {
                continue;
            };
            out.push((
                ente.slug,
                ente.name,
                Waiting {
                    id: row.id,
                    calendar,
                    day,
                },
            ));
        }
        Ok(out)
    }

    /// Takes the resident off a waiting list (while they still wait: once a place was offered,
    /// the offer is theirs to take or leave).
    pub async fn leave(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        id: i64,
    ) -> Result<(), AppError> {
        if self
            .store()
            .tenant(ente)
            .booking_unwait(id, citizen.fiscal_code.as_str())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// A resident's bookings in every ente, each with its ente's slug and name.
    pub async fn mine(
        &self,
        citizen: &CitizenIdentity,
    ) -> Result<Vec<(String, String, BookingView)>, AppError> {
        let rows = self
            .store()
            .region_wide()
            .bookings_of(citizen.fiscal_code.as_str(), to_millis(self.app.now()))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let ente = self.app.ente_by_id(row.ente()).await?;
            let view = self.view(ente.ente_id(), row).await?;
            out.push((ente.slug, ente.name, view));
        }
        Ok(out)
    }
}
