-- The register's words (issue 21): each registration's correspondent cut into words, so that
-- a name is found through an index among ten years of filings. Keep in step with the other
-- dialect's migration and with `words.rs`, which cuts the words of every registration written
-- from now on: these characters become spaces, ASCII letters and Italian accented capitals
-- lower case, one-character words are left out. Words compare byte by byte (COLLATE "C"), so that a prefix is a range.
-- An index of the register, not part of it: a registration removed behind the program's back
-- (the register's verification finds it) takes its words with it.
CREATE TABLE registration_words (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    word TEXT COLLATE "C" NOT NULL,
    registration_id BIGINT NOT NULL REFERENCES protocol_registrations (id) ON DELETE CASCADE,
    PRIMARY KEY (ente_id, word, registration_id)
);

-- The registrations written before: cut here, once.
INSERT INTO registration_words (ente_id, word, registration_id)
WITH RECURSIVE cut (id, ente_id, rest, word) AS (
    SELECT id, ente_id,
           translate(translate(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(correspondent,
               '(', ' '), ')', ' '), ',', ' '), '.', ' '), ';', ' '), ':', ' '), '''', ' '), '"', ' '), '/', ' '), '-', ' '),
               'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
               'ÀÈÉÌÍÒÓÙÚ', 'àèéìíòóùú') || ' ',
           CAST('' AS TEXT)
    FROM protocol_registrations
    UNION ALL
    SELECT id, ente_id, substr(rest, strpos(rest, ' ') + 1), substr(rest, 1, strpos(rest, ' ') - 1)
    FROM cut WHERE rest <> ''
)
SELECT DISTINCT ente_id, word, id FROM cut WHERE length(word) >= 2
ON CONFLICT DO NOTHING;
