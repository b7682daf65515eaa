-- A staff member's office (issue 16): documents the registry routes to an office wait for the
-- people of that office; someone without an office (a small municipality's clerk who does
-- everything) sees every office's. The office is one of the ente's (offices.code). Keep in
-- step with the other dialect's migration.
ALTER TABLE staff_users ADD COLUMN office_code TEXT;
