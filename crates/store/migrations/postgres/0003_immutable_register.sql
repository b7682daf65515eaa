-- DPR 445/2000 art. 53: a registration cannot be changed or deleted. The database refuses it;
-- the hash chain (sportello protocollo verify) reveals it if someone disables this guard.
CREATE FUNCTION protocol_registrations_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'protocol registrations are immutable and never deleted (DPR 445/2000 artt. 53-54)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER protocol_registrations_no_change BEFORE UPDATE OR DELETE ON protocol_registrations
    FOR EACH ROW EXECUTE FUNCTION protocol_registrations_immutable();
