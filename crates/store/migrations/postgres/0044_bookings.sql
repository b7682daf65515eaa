-- Bookings (prenotazioni, issue 20): the calendars an ente's places publish, the count of places
-- taken in each slot, the bookings, the waiting lists, and the .ics invitation an e-mail of the
-- outbox carries. Keep in step with the other dialect's migration.

-- A calendar's rules as its form writes them: opening hours one stretch a line («lun
-- 09:00-12:30 [dal AAAA-MM-GG al AAAA-MM-GG]»), closures one date a line.
CREATE TABLE booking_calendars (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CONSTRAINT booking_calendars_kind_check CHECK (kind IN ('ufficio', 'scuola', 'biblioteca', 'museo')),
    -- The office whose staff run the calendar's days (offices.code), if one is named.
    office_code TEXT,
    address TEXT NOT NULL,
    about TEXT NOT NULL,
    -- A service whose page offers this calendar (services' slug), if any.
    service_slug TEXT,
    hours TEXT NOT NULL,
    slot_minutes BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    moderated BIGINT NOT NULL,
    horizon_days BIGINT NOT NULL,
    cancel_hours BIGINT NOT NULL,
    open_on_holidays BIGINT NOT NULL,
    closures TEXT NOT NULL,
    active BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (ente_id, code)
);

-- The places taken in a slot: every booking that takes one (a draft, a request, a confirmed,
-- attended or missed booking) counts here, and the count only grows by a conditional update
-- against the calendar's capacity, so two people racing for the last place cannot both win.
CREATE TABLE booking_slots (
    calendar_id BIGINT NOT NULL REFERENCES booking_calendars (id),
    start_ms BIGINT NOT NULL,
    taken BIGINT NOT NULL,
    PRIMARY KEY (calendar_id, start_ms)
);

CREATE TABLE bookings (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    calendar_id BIGINT NOT NULL REFERENCES booking_calendars (id),
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    state TEXT NOT NULL CONSTRAINT bookings_state_check CHECK (state IN ('bozza', 'richiesta', 'confermata', 'rifiutata', 'annullata', 'scaduta', 'presente', 'assente')),
    -- A draft keeps its slot until then.
    held_until BIGINT,
    -- Who booked (a resident signed in); NULL for a walk-in the office added.
    fiscal_code TEXT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    subject TEXT NOT NULL,
    notes TEXT NOT NULL,
    service_slug TEXT,
    -- A case the booking is for (applications.id), linked by the office.
    case_id TEXT,
    walk_in BIGINT NOT NULL,
    -- SHA-256 of the secret in the e-mail's link (cancel or move without signing in).
    token_digest TEXT NOT NULL UNIQUE,
    -- The .ics sequence: raised by every move and by the cancellation.
    sequence BIGINT NOT NULL,
    reminded_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX bookings_by_slot ON bookings (calendar_id, start_ms);
CREATE INDEX bookings_by_person ON bookings (fiscal_code, start_ms);
CREATE INDEX bookings_by_state ON bookings (state, start_ms);

-- Who waits for a place on a day (AAAA-MM-GG) of a calendar, in order of arrival.
CREATE TABLE booking_waitlist (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    calendar_id BIGINT NOT NULL REFERENCES booking_calendars (id),
    day TEXT NOT NULL,
    fiscal_code TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    state TEXT NOT NULL CONSTRAINT booking_waitlist_state_check CHECK (state IN ('attesa', 'offerta', 'presa', 'chiusa')),
    -- The draft made for them when a place freed up.
    booking_id BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (calendar_id, day, fiscal_code)
);
CREATE INDEX booking_waitlist_by_day ON booking_waitlist (calendar_id, day, state, id);

-- An e-mail may carry a calendar invitation (text/calendar, RFC 5545).
ALTER TABLE outbox ADD COLUMN ics TEXT;
