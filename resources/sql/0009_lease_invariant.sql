-- A lease is held exactly while an item is 'processing' (the existing check covers one
-- direction). With both, "locked_by = worker" alone identifies the items a worker holds, and the
-- worker's batch statements find them by primary key instead of through idx_writequeue_lease,
-- whose entries for every item claimed since the last vacuum each such statement would read.
ALTER TABLE pfa_write_queue
    ADD CONSTRAINT pfa_write_queue_lease_only_while_processing
    CHECK (status = 'processing' OR (locked_by IS NULL AND locked_until IS NULL));
