-- DPR 445/2000 art. 53: a registration cannot be changed or deleted. The database refuses it;
-- the hash chain (sportello protocollo verify) reveals it if someone disables this guard.
CREATE TRIGGER protocol_registrations_no_update BEFORE UPDATE ON protocol_registrations
BEGIN
    SELECT RAISE(ABORT, 'protocol registrations are immutable (DPR 445/2000 art. 53)');
END;
CREATE TRIGGER protocol_registrations_no_delete BEFORE DELETE ON protocol_registrations
BEGIN
    SELECT RAISE(ABORT, 'protocol registrations are never deleted (DPR 445/2000 art. 54)');
END;
