-- Each sign-in flow is bound to the browser that started it (issue 15: login CSRF): the
-- SHA-256 of a random value kept in a cookie of that browser only, required at the callback.
-- Flows started before this migration have none and cannot finish (they last minutes).
-- Keep in step with ../sqlite.
ALTER TABLE oidc_flows ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
