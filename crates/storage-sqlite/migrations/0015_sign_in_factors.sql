-- How people sign in beyond a password: a second factor (TOTP) with
-- recovery codes, each organisation's sign-in policy and its single
-- sign-on (OpenID Connect) settings, and how each session was started.

-- One authenticator per account, confirmed with a code before it was
-- stored. The secret is sealed (AES-256-GCM under the instance's secret
-- key), never stored in the clear. `last_step` is the last TOTP step used,
-- so no code is accepted twice.
CREATE TABLE user_second_factors (
    user_id       BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    last_step     INTEGER NOT NULL,
    set_up_at     TEXT NOT NULL
) STRICT;

-- Single-use recovery codes, hashed with Argon2id like passwords.
CREATE TABLE user_recovery_codes (
    user_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, position)
) STRICT;

-- An organisation's sign-in policy and single sign-on. No row: passwords,
-- a second factor for admins only. The client secret is sealed like the
-- TOTP secrets.
CREATE TABLE org_sign_in (
    org_id                   BLOB PRIMARY KEY NOT NULL REFERENCES organisations (id),
    require_second_factor    INTEGER NOT NULL CHECK (require_second_factor IN (0, 1)),
    oidc_issuer              TEXT,
    oidc_client_id           TEXT,
    oidc_client_secret_sealed TEXT,
    oidc_claim               TEXT,
    -- The email domain people type to find their organisation's sign-in.
    oidc_email_domain        TEXT UNIQUE,
    updated_at               TEXT NOT NULL
) STRICT;

-- A session started with a password waits for the second factor before
-- it is any use; one started through single sign-on never asks.
ALTER TABLE sessions ADD COLUMN second_factor_pending INTEGER NOT NULL DEFAULT 0 CHECK (second_factor_pending IN (0, 1));
ALTER TABLE sessions ADD COLUMN signed_in_with TEXT NOT NULL DEFAULT 'password'
    CHECK (signed_in_with IN ('password', 'sso'));
