-- The albo's act types per ente (issue 18). Keep in step with the other dialect's migration.
--
-- The region's list (the domain's `albo::ACT_TYPES`, each with its law's bounds) is every ente's
-- to start with. An ente may switch a type off (no new request takes it; what was published
-- stays as it was) and add types of its own, bounded as «altro atto» is (1–365 days).
ALTER TABLE albo_periods ADD COLUMN in_use BIGINT NOT NULL DEFAULT 1;
CREATE TABLE albo_own_types (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    -- `ente-` and the label's words (the domain's `ActType::own_code`): never a region code.
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    days BIGINT NOT NULL,
    in_use BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, code)
);
-- The type's label as it was when the act was asked for: the register says what was
-- published, whatever the ente's list says later.
ALTER TABLE albo_entries ADD COLUMN act_label TEXT NOT NULL DEFAULT '';
