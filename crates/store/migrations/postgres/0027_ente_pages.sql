-- The municipality's own pages (issue 16): the ente's contacts, its data protection officer and
-- the address of its accessibility statement; each office's description and contacts. Ente
-- data, edited by the ente's administrators; an empty value shows the regional default. Keep in
-- step with ../sqlite.
CREATE TABLE ente_profiles (
    ente_id BIGINT PRIMARY KEY REFERENCES enti (id),
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    pec TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    dpo TEXT NOT NULL DEFAULT '',
    dpo_email TEXT NOT NULL DEFAULT '',
    accessibility_url TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE offices ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN pec TEXT NOT NULL DEFAULT '';
