-- Region scale (issue 21): the office's queue of one service reads a page of it, not the ente's
-- history. Keep in step with the other dialect's migration.
--
-- The queue lists cases newest registration first. Filtered by one service, that order was
-- found by walking the ente's registrations newest first until a page of the service turned up:
-- for a rare service, most of ten years. Each filed application now carries its registration's
-- year and number (written by the registrar in the same transaction as the registration, and by
-- the bulk path), so that the service's cases are one range of an index in the queue's order.
-- Every process of a deployment must run this version before filing again: an older one would
-- file without these columns (docs/design/scaling.md, «Upgrades»). The lock keeps a filing
-- committed meanwhile from falling between the backfill and this version.
LOCK TABLE applications IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE applications ADD COLUMN registered_year BIGINT;
ALTER TABLE applications ADD COLUMN registered_number BIGINT;
UPDATE applications a
SET registered_year = r.year, registered_number = r.number
FROM protocol_registrations r
WHERE r.application_id = a.id;
CREATE INDEX applications_by_service_registered
    ON applications (ente_id, service_id, registered_year, registered_number, id);
