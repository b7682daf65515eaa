-- applications_by_applicant (applicant, status) served only lookups by applicant, which the
-- (applicant, service_id, ente_id, status) and (applicant, idempotency_key) indexes serve as
-- well: a person has a handful of applications. Every filing wrote it, on a random page of
-- its own (the codice fiscale has no order), so it cost a page in the log at each commit.
-- Keep in step with ../sqlite and ../postgres.
DROP INDEX applications_by_applicant;
