-- The local mirror of PEMS records and every version of each that we have seen.

CREATE TABLE pfa_mirror (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id bigint NOT NULL REFERENCES organization (id),
    pfa_id          text NOT NULL CHECK (length(pfa_id) BETWEEN 1 AND 64),
    version         bigint NOT NULL CHECK (version >= 1),
    data            jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    pems_updated_at timestamptz,
    pulled_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, pfa_id)
);

CREATE TABLE pfa_mirror_history (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mirror_id      bigint NOT NULL REFERENCES pfa_mirror (id) ON DELETE CASCADE,
    version        bigint NOT NULL CHECK (version >= 1),
    data           jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    changed_fields text[] NOT NULL DEFAULT '{}',
    source         text NOT NULL CHECK (source IN ('pull', 'write', 'rollback')),
    actor          text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mirror_id, version)
);
