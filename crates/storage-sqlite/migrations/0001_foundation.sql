-- Organisations, accounts, sessions and the audit log.
-- UUIDs are stored as 16-byte BLOBs and instants as RFC 3339 UTC text
-- (sqlx's encodings), which sorts in time order.

CREATE TABLE organisations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('icb', 'pcn', 'gp_practice', 'vcse', 'local_authority', 'nhs_trust')),
    parent_id   BLOB REFERENCES organisations (id),
    code        TEXT UNIQUE,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    org_id        BLOB NOT NULL REFERENCES organisations (id),
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash TEXT,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
) STRICT;
CREATE INDEX users_org ON users (org_id);

CREATE TABLE user_roles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('admin', 'link_worker', 'team_lead', 'referrer', 'partner', 'directory_manager', 'commissioner')),
    PRIMARY KEY (user_id, role)
) STRICT;

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE credential_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX credential_tokens_user ON credential_tokens (user_id);

CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE audit_events (
    id            BLOB PRIMARY KEY NOT NULL,
    at            TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label   TEXT NOT NULL,
    org_id  BLOB,
    action        TEXT NOT NULL,
    entity_type   TEXT,
    entity_id     TEXT,
    detail        TEXT NOT NULL,
    ip            TEXT
) STRICT;
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, at);
CREATE INDEX audit_events_org ON audit_events (org_id, at);

-- The audit log is append-only: no statement may change or remove an entry.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
