-- Each ente's words for the office's acts (issue 14: legal act texts as templates an ente
-- adapts). A row exists only while the ente uses its own text; the kinds are the domain's
-- `procedure::acts::ActKind`, checked by a pair of triggers named after PostgreSQL's
-- constraint, as in 0016 (one shape for every constraint on codes). Keep in step with
-- ../postgres.
CREATE TABLE act_texts (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    message TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, kind)
);
CREATE TRIGGER act_texts_kind_check_insert BEFORE INSERT ON act_texts
WHEN NEW.kind NOT IN ('avvio', 'richiesta_integrazione', 'preavviso', 'accoglimento', 'diniego', 'richiesta_conformazione', 'divieto_scia', 'silenzio_assenso')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: act_texts_kind_check'); END;
CREATE TRIGGER act_texts_kind_check_update BEFORE UPDATE OF kind ON act_texts
WHEN NEW.kind NOT IN ('avvio', 'richiesta_integrazione', 'preavviso', 'accoglimento', 'diniego', 'richiesta_conformazione', 'divieto_scia', 'silenzio_assenso')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: act_texts_kind_check'); END;
