-- The write path: sync jobs, modifications, the outbox queue, attempts and conflicts.

CREATE TABLE sync_job (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organization (id),
    trigger         text NOT NULL
                    CHECK (trigger IN ('schedule', 'manual', 'api', 'rollback', 'resolution')),
    requested_by    bigint REFERENCES app_user (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX sync_job_organization_created_idx ON sync_job (organization_id, created_at DESC);

CREATE TABLE pfa_modification (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id     bigint NOT NULL REFERENCES organization (id),
    pfa_id              text NOT NULL,
    user_id             bigint NOT NULL REFERENCES app_user (id),
    operation           text NOT NULL CHECK (operation IN ('UPDATE', 'DELETE')),
    base_version        bigint NOT NULL CHECK (base_version >= 1),
    delta               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(delta) = 'object'),
    change_reason       text NOT NULL DEFAULT '' CHECK (length(change_reason) <= 2000),
    sync_status         text NOT NULL DEFAULT 'draft'
                        CHECK (sync_status IN ('draft', 'committed', 'queued', 'syncing', 'synced',
                                               'conflict', 'failed', 'discarded')),
    synced_at           timestamptz,
    sync_error          text,
    pems_version        bigint,
    job_id              bigint REFERENCES sync_job (id),
    rollback_of_version bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, pfa_id) REFERENCES pfa_mirror (organization_id, pfa_id)
);
CREATE INDEX idx_modification_syncstatus ON pfa_modification (sync_status);
CREATE INDEX pfa_modification_record_idx ON pfa_modification (organization_id, pfa_id, id);
CREATE INDEX pfa_modification_job_idx ON pfa_modification (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE pfa_write_queue (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    modification_id bigint NOT NULL REFERENCES pfa_modification (id) ON DELETE CASCADE,
    pfa_id          text NOT NULL,
    organization_id bigint NOT NULL REFERENCES organization (id),
    operation       text NOT NULL CHECK (operation IN ('UPDATE', 'DELETE')),
    payload         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    priority        integer NOT NULL DEFAULT 0,
    retry_count     integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries     integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    last_attempt_at timestamptz,
    last_error      text,
    failure_class   text CHECK (failure_class IN ('conflict', 'needs_confirmation', 'validation',
                                                  'transient', 'auth', 'rate_limit')),
    scheduled_at    timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    job_id          bigint REFERENCES sync_job (id),
    -- Stays the same across every attempt of the item, so PEMS can replay instead of re-apply.
    idempotency_key uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    locked_by       text,
    locked_until    timestamptz,
    CHECK (status <> 'processing' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);
-- The indexes of the specification ...
CREATE INDEX idx_writequeue_status_scheduled ON pfa_write_queue (status, scheduled_at);
CREATE INDEX idx_writequeue_organization ON pfa_write_queue (organization_id);
CREATE INDEX idx_writequeue_pfa_id ON pfa_write_queue (pfa_id);
CREATE INDEX idx_writequeue_modification ON pfa_write_queue (modification_id);
-- ... plus the one the claim query walks: pending rows only, already in claim order, so a queue
-- holding millions of completed rows costs the worker nothing.
CREATE INDEX idx_writequeue_claim ON pfa_write_queue (priority DESC, scheduled_at, id)
    WHERE status = 'pending';
-- "Is an earlier item of this record still open?" — per-record order without scanning.
CREATE INDEX idx_writequeue_record_open ON pfa_write_queue (organization_id, pfa_id, id)
    WHERE status <> 'completed';
CREATE INDEX idx_writequeue_lease ON pfa_write_queue (locked_until) WHERE status = 'processing';
CREATE INDEX idx_writequeue_job ON pfa_write_queue (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE pfa_sync_attempt (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue_id    bigint NOT NULL REFERENCES pfa_write_queue (id) ON DELETE CASCADE,
    attempt     integer NOT NULL CHECK (attempt >= 1),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    http_status integer,
    outcome     text NOT NULL,
    error       text,
    duration_ms bigint CHECK (duration_ms >= 0),
    UNIQUE (queue_id, attempt)
);

CREATE TABLE pfa_sync_conflict (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pfa_id          text NOT NULL,
    organization_id bigint NOT NULL REFERENCES organization (id),
    modification_id bigint NOT NULL REFERENCES pfa_modification (id) ON DELETE CASCADE,
    local_version   bigint NOT NULL,
    pems_version    bigint NOT NULL,
    base_data       jsonb NOT NULL CHECK (jsonb_typeof(base_data) = 'object'),
    local_data      jsonb NOT NULL CHECK (jsonb_typeof(local_data) = 'object'),
    pems_data       jsonb NOT NULL CHECK (jsonb_typeof(pems_data) = 'object'),
    conflict_fields jsonb NOT NULL CHECK (jsonb_typeof(conflict_fields) = 'array'),
    status          text NOT NULL DEFAULT 'unresolved'
                    CHECK (status IN ('unresolved', 'resolved_auto', 'resolved_manual')),
    resolution      text CHECK (resolution IN ('use_local', 'use_pems', 'merge')),
    merged_data     jsonb,
    resolved_by     bigint REFERENCES app_user (id),
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'unresolved') = (resolved_at IS NULL))
);
CREATE INDEX idx_conflict_status ON pfa_sync_conflict (status);
CREATE INDEX idx_conflict_organization ON pfa_sync_conflict (organization_id);
CREATE INDEX idx_conflict_pfa_id ON pfa_sync_conflict (pfa_id);
CREATE INDEX idx_conflict_modification ON pfa_sync_conflict (modification_id);
-- A modification has at most one open conflict.
CREATE UNIQUE INDEX pfa_sync_conflict_open_key ON pfa_sync_conflict (modification_id)
    WHERE status = 'unresolved';
