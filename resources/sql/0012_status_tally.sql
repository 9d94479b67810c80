-- GET /api/pems/sync-status without a date range used to fold every queue row on each call (3–5 ms
-- at 10,000 rows, ten times that at 100,000) and the service answers it on one thread. The counts
-- and the completed items' total time are now kept per organization and status, by statement
-- triggers, in the same transactions that change the queue, so the answer is exact under MVCC and
-- costs a few index probes whatever the queue's size. A date range still folds its slice of rows.
--
-- Each backend adds its deltas to its own row (slot = its pid): concurrent transactions never wait
-- on each other's counter rows, and since a transaction locks only its own slot there is no lock
-- cycle. pfa_write_queue_tally_compact() folds the slots of finished backends into slot 0.
CREATE TABLE pfa_write_queue_tally (
    organization_id bigint NOT NULL,
    status          text NOT NULL,
    conflict        boolean NOT NULL, -- failure_class = 'conflict'
    slot            integer NOT NULL,
    items           bigint NOT NULL,
    busy_us         bigint NOT NULL, -- completed items: sum of completed_at - created_at
    PRIMARY KEY (organization_id, status, conflict, slot)
);

-- What a queue row adds to busy_us: a completed item's time from queueing to completion.
CREATE FUNCTION pfa_write_queue_busy_us(status text, created_at timestamptz,
                                        completed_at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status = 'completed' AND completed_at IS NOT NULL
                THEN (EXTRACT(EPOCH FROM completed_at - created_at) * 1000000)::bigint
                ELSE 0 END
$$;

CREATE FUNCTION pfa_write_queue_tally_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO pfa_write_queue_tally AS t
        SELECT organization_id, status, conflict, pg_backend_pid(), sum(items), sum(busy_us)
          FROM (SELECT organization_id, status, failure_class IS NOT DISTINCT FROM 'conflict',
                       1, pfa_write_queue_busy_us(status, created_at, completed_at)
                  FROM new_rows) AS d (organization_id, status, conflict, items, busy_us)
         GROUP BY organization_id, status, conflict
         ORDER BY organization_id, status, conflict
        ON CONFLICT (organization_id, status, conflict, slot) DO UPDATE
           SET items = t.items + EXCLUDED.items, busy_us = t.busy_us + EXCLUDED.busy_us;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO pfa_write_queue_tally AS t
        SELECT organization_id, status, conflict, pg_backend_pid(), -sum(items), -sum(busy_us)
          FROM (SELECT organization_id, status, failure_class IS NOT DISTINCT FROM 'conflict',
                       1, pfa_write_queue_busy_us(status, created_at, completed_at)
                  FROM old_rows) AS d (organization_id, status, conflict, items, busy_us)
         GROUP BY organization_id, status, conflict
         ORDER BY organization_id, status, conflict
        ON CONFLICT (organization_id, status, conflict, slot) DO UPDATE
           SET items = t.items + EXCLUDED.items, busy_us = t.busy_us + EXCLUDED.busy_us;
    ELSE
        -- Lease renewals and other updates that move nothing net to nothing and write nothing.
        INSERT INTO pfa_write_queue_tally AS t
        SELECT organization_id, status, conflict, pg_backend_pid(), sum(items), sum(busy_us)
          FROM (SELECT organization_id, status, failure_class IS NOT DISTINCT FROM 'conflict',
                       1, pfa_write_queue_busy_us(status, created_at, completed_at)
                  FROM new_rows
                UNION ALL
                SELECT organization_id, status, failure_class IS NOT DISTINCT FROM 'conflict',
                       -1, -pfa_write_queue_busy_us(status, created_at, completed_at)
                  FROM old_rows) AS d (organization_id, status, conflict, items, busy_us)
         GROUP BY organization_id, status, conflict
        HAVING sum(items) <> 0 OR sum(busy_us) <> 0
         ORDER BY organization_id, status, conflict
        ON CONFLICT (organization_id, status, conflict, slot) DO UPDATE
           SET items = t.items + EXCLUDED.items, busy_us = t.busy_us + EXCLUDED.busy_us;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER pfa_write_queue_tally_insert
    AFTER INSERT ON pfa_write_queue REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pfa_write_queue_tally_add();
CREATE TRIGGER pfa_write_queue_tally_update
    AFTER UPDATE ON pfa_write_queue REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pfa_write_queue_tally_add();
CREATE TRIGGER pfa_write_queue_tally_delete
    AFTER DELETE ON pfa_write_queue REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pfa_write_queue_tally_add();

CREATE FUNCTION pfa_write_queue_tally_reset() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pfa_write_queue_tally;
    RETURN NULL;
END;
$$;

CREATE TRIGGER pfa_write_queue_tally_truncate
    AFTER TRUNCATE ON pfa_write_queue
    FOR EACH STATEMENT EXECUTE FUNCTION pfa_write_queue_tally_reset();

-- Folds the rows of backends that no longer run into slot 0 (called by the worker's retention
-- pass). Live backends' rows stay: their transactions may hold them.
CREATE FUNCTION pfa_write_queue_tally_compact() RETURNS integer
LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM pfa_write_queue_tally
         WHERE slot <> 0 AND slot NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
        RETURNING organization_id, status, conflict, items, busy_us),
    folded AS (
        INSERT INTO pfa_write_queue_tally AS t
        SELECT organization_id, status, conflict, 0, sum(items), sum(busy_us)
          FROM moved GROUP BY organization_id, status, conflict
        ON CONFLICT (organization_id, status, conflict, slot) DO UPDATE
           SET items = t.items + EXCLUDED.items, busy_us = t.busy_us + EXCLUDED.busy_us
        RETURNING 1)
    SELECT count(*)::integer FROM moved;
$$;

-- What is already queued.
INSERT INTO pfa_write_queue_tally
SELECT organization_id, status, failure_class IS NOT DISTINCT FROM 'conflict', 0, count(*),
       sum(pfa_write_queue_busy_us(status, created_at, completed_at))
  FROM pfa_write_queue
 GROUP BY 1, 2, 3;

-- The oldest open item and the latest completion, per organization, by index. The open index's
-- redundant "created_at IS NOT NULL" (the column is NOT NULL) keeps it for the status query alone:
-- the planner cannot prove that predicate from other queries, and on a queue not yet analyzed it
-- would otherwise pick this index for the claim's per-record lookups and filter every open row.
CREATE INDEX idx_writequeue_open_created ON pfa_write_queue (organization_id, created_at)
    WHERE status IN ('pending', 'processing') AND created_at IS NOT NULL;
CREATE INDEX idx_writequeue_org_completed ON pfa_write_queue (organization_id, completed_at)
    WHERE status = 'completed';
