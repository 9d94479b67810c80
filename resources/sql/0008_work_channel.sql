-- Write workers wake on NOTIFY pfa_sync_work instead of hearing every sync event. The triggers
-- fire once per statement (and PostgreSQL folds identical notifications of one transaction), so
-- committing 10,000 modifications at once wakes each worker once, on commit, whoever queued them.

CREATE FUNCTION pfa_wake_writers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pfa_sync_work', TG_ARGV[0]);
    RETURN NULL;
END;
$$;

CREATE TRIGGER pfa_write_queue_wake
    AFTER INSERT ON pfa_write_queue
    FOR EACH STATEMENT EXECUTE FUNCTION pfa_wake_writers('queued');

-- A pause that ends, for one organization or for all: its queued items may go now.
CREATE TRIGGER organization_write_resumed
    AFTER UPDATE OF write_paused_at ON organization
    FOR EACH ROW WHEN (OLD.write_paused_at IS NOT NULL AND NEW.write_paused_at IS NULL)
    EXECUTE FUNCTION pfa_wake_writers('resumed');

CREATE TRIGGER write_sync_control_resumed
    AFTER UPDATE OF paused_at ON write_sync_control
    FOR EACH ROW WHEN (OLD.paused_at IS NOT NULL AND NEW.paused_at IS NULL)
    EXECUTE FUNCTION pfa_wake_writers('resumed');
