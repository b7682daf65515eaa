-- The notice's postal block (Bollettino Postale PA) prints Poste Italiane's authorisation to
-- print it in-house, which an ente with a postal account obtains from Poste (issue 17). Keep in
-- step with the other dialect's migration.
ALTER TABLE creditors ADD COLUMN postal_authorisation TEXT NOT NULL DEFAULT '';
