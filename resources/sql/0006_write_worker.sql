-- What the write worker needs beyond the tables of the specification.

-- Pausing: per organization (an operator, or PEMS refusing its credentials) and for everything.
-- Kept in the database so every worker process sharing it obeys the same switch.
ALTER TABLE organization
    ADD COLUMN write_paused_at   timestamptz,
    ADD COLUMN write_pause_reason text CHECK (length(write_pause_reason) <= 2000);

CREATE TABLE write_sync_control (
    id           smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    paused_at    timestamptz,
    pause_reason text CHECK (length(pause_reason) <= 2000)
);
INSERT INTO write_sync_control (id) VALUES (1);

-- A record deleted in PEMS stays in the mirror as a tombstone, so its history stays readable.
ALTER TABLE pfa_mirror ADD COLUMN deleted boolean NOT NULL DEFAULT false;

-- Retention deletes completed items by age.
CREATE INDEX idx_writequeue_completed ON pfa_write_queue (completed_at) WHERE status = 'completed';

-- A retry must repeat exactly the request it retries: same Idempotency-Key (the head's), same
-- coalesced items, same version. sent_version is the version the key was first sent with (NULL:
-- not sent yet); followers name the head they went out with. A 409 is a final answer for a key,
-- so the worker then gives the item a new key and clears both.
ALTER TABLE pfa_write_queue
    ADD COLUMN sent_version   bigint,
    ADD COLUMN coalesced_into bigint;
