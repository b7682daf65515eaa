-- The albo's register order, bounded search and document digests (issue 18). Keep in step with
-- the other dialect's migration.
--
-- `board_key` orders an ente's publications (newest first = highest key). It is given at
-- publication from the one row of `albo_order`: the larger of the last key + 1 and the start
-- in milliseconds × 10,000, so keys follow publication and never repeat across the region.
-- Every list of the register walks (ente, board_key) and stops at the page's end; the search
-- walks the words' matches in the same order (SQLite: FTS5 rows keyed by `board_key`, read
-- `ORDER BY rowid DESC`; PostgreSQL: `albo_words`), so no search sorts an ente's history.
ALTER TABLE albo_entries ADD COLUMN board_key BIGINT;
UPDATE albo_entries SET board_key = start_ms * 10000 + (id % 10000) WHERE start_ms IS NOT NULL;
DROP INDEX albo_entries_by_start;
DROP INDEX albo_entries_by_type;
CREATE UNIQUE INDEX albo_entries_by_key ON albo_entries (ente_id, board_key);
CREATE INDEX albo_entries_by_type ON albo_entries (ente_id, act_type, board_key);

-- `text_version`: how the search's words are written (SQLite: 1 = Italian stems, written by
-- the store once the migrations have run; PostgreSQL writes them in SQL and needs no version).
CREATE TABLE albo_order (
    id BIGINT PRIMARY KEY,
    last_key BIGINT NOT NULL,
    text_version BIGINT NOT NULL
);
INSERT INTO albo_order (id, last_key, text_version)
    SELECT 1, COALESCE(MAX(board_key), 0), 1 FROM albo_entries;

-- Every document an entry holds, by SHA-256: the act (or its extract), each attachment, the
-- relata. The public verification page finds an act by digest through this index.
CREATE TABLE albo_digests (
    ente_id BIGINT NOT NULL,
    digest TEXT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES albo_entries (id),
    PRIMARY KEY (ente_id, digest, entry_id)
);
INSERT INTO albo_digests (ente_id, digest, entry_id)
    SELECT ente_id, document_digest, id FROM albo_entries ON CONFLICT DO NOTHING;
INSERT INTO albo_digests (ente_id, digest, entry_id)
    SELECT ente_id, relata_digest, id FROM albo_entries WHERE relata_digest IS NOT NULL
    ON CONFLICT DO NOTHING;
INSERT INTO albo_digests (ente_id, digest, entry_id)
    SELECT e.ente_id, a.value ->> 'digest', e.id
    FROM albo_entries e, jsonb_array_elements(e.attachments::jsonb) a
    WHERE a.value ->> 'digest' IS NOT NULL
    ON CONFLICT DO NOTHING;

-- The words: the Italian stems of what is published (subject, requester, act number, type), one row
-- per stem and entry, keyed by the entry's place in the register. A search walks the rarest
-- stem's rows newest first and checks the others by their primary key.
CREATE TABLE albo_words (
    ente_id BIGINT NOT NULL,
    word TEXT NOT NULL,
    board_key BIGINT NOT NULL,
    PRIMARY KEY (ente_id, word, board_key)
);
INSERT INTO albo_words (ente_id, word, board_key)
    SELECT DISTINCT ente_id, w, board_key FROM albo_entries,
        unnest(tsvector_to_array(search || to_tsvector('italian', replace(act_type, '-', ' ')))) AS w
    WHERE board_key IS NOT NULL;
DROP INDEX albo_entries_search;
ALTER TABLE albo_entries DROP COLUMN search;

-- Each ente's own default period per act type, chosen within the law's bounds (the domain's
-- `albo::ActType`, checked by the app); a type not listed keeps the region's default.
CREATE TABLE albo_periods (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    act_type TEXT NOT NULL,
    days BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, act_type)
);

-- A request the publication officer sends back to the office, with the reason: state
-- `returned` (the domain's `albo::AlboState`).
ALTER TABLE albo_entries ADD COLUMN return_reason TEXT;
ALTER TABLE albo_entries DROP CONSTRAINT albo_entries_state_check;
ALTER TABLE albo_entries ADD CONSTRAINT albo_entries_state_check
    CHECK (state IN ('requested', 'published', 'annulled', 'ended', 'returned'));

-- The protocol registration through which a request arrived (`anno/numero`), when it did.
ALTER TABLE albo_entries ADD COLUMN protocol_ref TEXT;
CREATE INDEX albo_entries_by_protocol ON albo_entries (ente_id, protocol_ref);
