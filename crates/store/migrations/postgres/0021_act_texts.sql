-- Each ente's words for the office's acts (issue 14: legal act texts as templates an ente
-- adapts). A row exists only while the ente uses its own text; the kinds are the domain's
-- `procedure::acts::ActKind`. Keep in step with ../sqlite.
CREATE TABLE act_texts (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    kind TEXT NOT NULL CONSTRAINT act_texts_kind_check CHECK (kind IN ('avvio', 'richiesta_integrazione', 'preavviso', 'accoglimento', 'diniego', 'richiesta_conformazione', 'divieto_scia', 'silenzio_assenso')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    message TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, kind)
);
