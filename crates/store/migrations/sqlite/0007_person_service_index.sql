-- The one-per-person rule looks an applicant's filings of one service up on every filing: an
-- index led by the applicant, so that the lookup never walks every filing of the service (on a
-- click day, all of them). Keep in step with ../postgres.
CREATE INDEX applications_by_person_service ON applications (applicant, service_id, ente_id, status);
