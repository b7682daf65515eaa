-- Reports and bookings (issue 20), the parts added after the first round. Keep in step with the other
-- dialect's migration.
--
-- The office's queue in the order of its terms or of its supports, paged by keyset: one index
-- for each order, ending with the id that breaks ties.
CREATE INDEX reports_by_due ON reports (ente_id, due_date, id);
CREATE INDEX reports_by_supports ON reports (ente_id, supports, id);

-- The answer to «è stato risolto?» by someone who did not sign in (an e-mail, or an Open311
-- client's user): the SHA-256 of the secret in the link the resolution's e-mail carries. A new
-- resolution makes a new one; an answer spends it.
ALTER TABLE reports ADD COLUMN answer_digest TEXT;

-- A resident's waiting lists, in their personal area.
CREATE INDEX booking_waitlist_by_person ON booking_waitlist (fiscal_code, day);
