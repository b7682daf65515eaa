-- Region scale (issue 21): the office's queue and the register read as much as a page shows,
-- whatever the ente's history. Keep in step with the other dialect's migration.
--
-- The cases not concluded, alone: the open queue and its terms read this index, so their cost
-- follows the office's open cases, never its ten years of concluded ones. The predicate is the
-- queue's own (`OPEN_CASES` in the store), written the same way so that the planner matches it.
CREATE INDEX applications_open ON applications (ente_id)
    WHERE status <> 'withdrawn'
      AND COALESCE(case_state, 'protocollata') IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'scia_efficace');

-- The ente's registrations newest first (the queue of every case, the register), and by number
-- in any year (a number searched for).
CREATE INDEX protocol_registrations_by_ente ON protocol_registrations (ente_id, year, number);
CREATE INDEX protocol_registrations_by_number ON protocol_registrations (ente_id, number);
