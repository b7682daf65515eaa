-- Case events' kind and state as constraints (issue 14): the codes of the domain's
-- `procedure::CaseEventKind` and `procedure::states::CaseState`; the store's migration test
-- compares them with the enums and with the other dialect. Added NOT VALID and validated by 0020
-- (see 0016 and 0018). Keep in step with ../sqlite.
ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check CHECK (kind IN ('protocollata', 'ritirata', 'assegnata', 'avvio', 'richiesta_integrazione', 'integrazione', 'integrazione_non_pervenuta', 'preavviso', 'osservazioni', 'preavviso_scaduto', 'accolta', 'respinta', 'silenzio_assenso', 'scia_inibita', 'scia_consolidata', 'richiesta_conformazione', 'conformazione', 'conformazione_non_pervenuta')) NOT VALID;
ALTER TABLE case_events ADD CONSTRAINT case_events_state_check CHECK (state IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')) NOT VALID;
