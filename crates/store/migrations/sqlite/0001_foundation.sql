-- Foundation: tenancy, staff, sessions, sign-in flows, demo identity provider, secrets.
-- Timestamps are unix milliseconds (BIGINT); booleans are 0/1. Keep in step with ../postgres.

CREATE TABLE enti (
    id INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL,
    istat TEXT NOT NULL UNIQUE,
    cadastral TEXT NOT NULL,
    name TEXT NOT NULL,
    province_name TEXT NOT NULL,
    province_code TEXT NOT NULL,
    population BIGINT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    search_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX enti_province ON enti (province_code);

CREATE TABLE aoo (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (ente_id, code)
);

CREATE TABLE offices (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    aoo_id BIGINT NOT NULL REFERENCES aoo (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (ente_id, code)
);

CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT REFERENCES enti (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step BIGINT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    not_before BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE staff_roles (
    user_id BIGINT NOT NULL REFERENCES staff_users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    staff_user_id BIGINT REFERENCES staff_users (id),
    citizen TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE oidc_flows (
    state TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    min_level TEXT NOT NULL,
    return_to TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE idp_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce TEXT NOT NULL,
    persona TEXT NOT NULL,
    acr TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
