-- Failed staff sign-ins under names that are no account (issue 15: enumeration): counted and
-- delayed like an account's, so the answers do not tell which names exist. The name is kept
-- only as a SHA-256; rows go once their delay is long past (housekeeping).
-- Keep in step with ../sqlite.
CREATE TABLE sign_in_names (
    name_hash TEXT PRIMARY KEY,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    not_before BIGINT,
    updated_at BIGINT NOT NULL
);
