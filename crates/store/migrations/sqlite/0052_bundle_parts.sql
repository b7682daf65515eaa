-- One application, several procedures (issue 22, the procedimento unico): a filing registered
-- once opens, besides its own case, one case for each of its parts. A part is an application of
-- its own service, with its own office, state and term, that points to the filing it belongs to
-- and shares its registration (it has none of its own; it carries the filing's year and number,
-- as migration 0049 has every filed application do). Keep in step with the other dialect's
-- migration.
ALTER TABLE applications ADD COLUMN parent_id TEXT REFERENCES applications (id);
CREATE INDEX applications_by_parent ON applications (parent_id) WHERE parent_id IS NOT NULL;
