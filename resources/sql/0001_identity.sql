-- Organizations, people, their permissions, API tokens and the (encrypted) PEMS credentials.

CREATE TABLE organization (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND position('@' in email) > 1),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    db_role      text,
    is_admin     boolean NOT NULL DEFAULT false,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));

CREATE TABLE user_organization (
    user_id         bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    organization_id bigint NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    perm_sync       boolean NOT NULL DEFAULT false,
    perm_resolve    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX user_organization_organization_idx ON user_organization (organization_id);

-- Only the SHA-256 of a token is kept: a database dump reveals no usable token.
CREATE TABLE api_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

-- AES-256-GCM ciphertext (nonce || ciphertext || tag); the data key never lives in the database.
CREATE TABLE organization_api_credentials (
    organization_id    bigint PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
    pems_url           text NOT NULL CHECK (pems_url ~ '^https?://'),
    api_key_ciphertext bytea NOT NULL,
    key_id             text NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
