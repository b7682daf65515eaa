-- The applicant's lookups (their applications, their Idempotency-Keys, the one-per-person
-- rule) all go through applications_idempotency (applicant, idempotency_key): a person has a
-- handful of rows. A second index led by the codice fiscale, whose values have no order, cost
-- every filing one more random page written to the log at each commit.
-- Keep in step with ../sqlite and ../postgres.
DROP INDEX applications_by_person_service;
