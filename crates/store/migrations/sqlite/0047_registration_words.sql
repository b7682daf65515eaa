-- The register's words (issue 21): each registration's correspondent cut into words, so that
-- a name is found through an index among ten years of filings. Keep in step with the other
-- dialect's migration and with `words.rs`, which cuts the words of every registration written
-- from now on: these characters become spaces, ASCII letters and Italian accented capitals
-- lower case, one-character words are left out.
-- An index of the register, not part of it: a registration removed behind the program's back
-- (the register's verification finds it) takes its words with it.
CREATE TABLE registration_words (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    word TEXT NOT NULL,
    registration_id BIGINT NOT NULL REFERENCES protocol_registrations (id) ON DELETE CASCADE,
    PRIMARY KEY (ente_id, word, registration_id)
);

-- The registrations written before: cut here, once.
INSERT OR IGNORE INTO registration_words (ente_id, word, registration_id)
WITH RECURSIVE cut (id, ente_id, rest, word) AS (
    SELECT id, ente_id,
           replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(correspondent,
               '(', ' '), ')', ' '), ',', ' '), '.', ' '), ';', ' '), ':', ' '), '''', ' '), '"', ' '), '/', ' '), '-', ' ')), 'À', 'à'), 'È', 'è'), 'É', 'é'), 'Ì', 'ì'), 'Í', 'í'), 'Ò', 'ò'), 'Ó', 'ó'), 'Ù', 'ù'), 'Ú', 'ú') || ' ',
           ''
    FROM protocol_registrations
    UNION ALL
    SELECT id, ente_id, substr(rest, instr(rest, ' ') + 1), substr(rest, 1, instr(rest, ' ') - 1)
    FROM cut WHERE rest <> ''
)
SELECT ente_id, word, id FROM cut WHERE length(word) >= 2;
