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
    SELECT 1, COALESCE(MAX(board_key), 0), 0 FROM albo_entries;

-- Every document an entry holds, by SHA-256: the act (or its extract), each attachment, the
-- relata. The public verification page finds an act by digest through this index.
CREATE TABLE albo_digests (
    ente_id BIGINT NOT NULL,
    digest TEXT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES albo_entries (id),
    PRIMARY KEY (ente_id, digest, entry_id)
);
INSERT OR IGNORE INTO albo_digests (ente_id, digest, entry_id)
    SELECT ente_id, document_digest, id FROM albo_entries;
INSERT OR IGNORE INTO albo_digests (ente_id, digest, entry_id)
    SELECT ente_id, relata_digest, id FROM albo_entries WHERE relata_digest IS NOT NULL;
INSERT OR IGNORE INTO albo_digests (ente_id, digest, entry_id)
    SELECT e.ente_id, json_extract(a.value, '$.digest'), e.id
    FROM albo_entries e, json_each(e.attachments) a
    WHERE json_extract(a.value, '$.digest') IS NOT NULL;

-- The words: only what is published is searched, as Italian stems, keyed by its place in the
-- register. The store writes them afresh after the migrations (text_version 0 above).
DELETE FROM albo_text;

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
-- `returned` (the domain's `albo::AlboState`), checked by the pair of triggers made anew.
ALTER TABLE albo_entries ADD COLUMN return_reason TEXT;
DROP TRIGGER albo_entries_state_check_insert;
DROP TRIGGER albo_entries_state_check_update;
CREATE TRIGGER albo_entries_state_check_insert BEFORE INSERT ON albo_entries
WHEN NEW.state NOT IN ('requested', 'published', 'annulled', 'ended', 'returned')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: albo_entries_state_check'); END;
CREATE TRIGGER albo_entries_state_check_update BEFORE UPDATE OF state ON albo_entries
WHEN NEW.state NOT IN ('requested', 'published', 'annulled', 'ended', 'returned')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: albo_entries_state_check'); END;

-- The protocol registration through which a request arrived (`anno/numero`), when it did.
ALTER TABLE albo_entries ADD COLUMN protocol_ref TEXT;
CREATE INDEX albo_entries_by_protocol ON albo_entries (ente_id, protocol_ref);
