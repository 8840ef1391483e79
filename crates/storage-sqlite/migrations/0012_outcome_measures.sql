-- Outcome evidence: questionnaire responses (answers and the scores they
-- gave when recorded, as JSON), the one-time links people answer them
-- from on their own phones, and GP appointments in the six months before
-- and after a referral.

CREATE TABLE measure_responses (
    id               BLOB PRIMARY KEY NOT NULL,
    person_id        BLOB NOT NULL REFERENCES people (id),
    referral_id      BLOB NOT NULL REFERENCES referrals (id),
    pcn_id           BLOB NOT NULL REFERENCES organisations (id),
    measure          TEXT NOT NULL,
    occasion         TEXT NOT NULL CHECK (occasion IN ('baseline', 'review', 'discharge', 'on_demand')),
    completed_by     TEXT NOT NULL CHECK (completed_by IN ('link_worker', 'person_on_device', 'person_own_phone', 'api')),
    answers          TEXT NOT NULL,
    complete         INTEGER NOT NULL,
    scores           TEXT NOT NULL,
    completed_at     TEXT NOT NULL,
    recorded_by      BLOB REFERENCES users (id),
    recorded_by_name TEXT NOT NULL
) STRICT;
CREATE INDEX measure_responses_referral ON measure_responses (referral_id, completed_at);
-- The cohort page starts from baselines completed in a period.
CREATE INDEX measure_responses_baseline ON measure_responses (measure, occasion, completed_at);

CREATE TABLE measure_links (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    referral_id     BLOB NOT NULL REFERENCES referrals (id),
    person_id       BLOB NOT NULL REFERENCES people (id),
    pcn_id          BLOB NOT NULL REFERENCES organisations (id),
    measure         TEXT NOT NULL,
    occasion        TEXT NOT NULL CHECK (occasion IN ('baseline', 'review', 'discharge', 'on_demand')),
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
) STRICT;
CREATE INDEX measure_links_referral ON measure_links (referral_id);

CREATE TABLE gp_appointments (
    referral_id      BLOB PRIMARY KEY NOT NULL REFERENCES referrals (id),
    person_id        BLOB NOT NULL REFERENCES people (id),
    pcn_id           BLOB NOT NULL REFERENCES organisations (id),
    before_count     INTEGER CHECK (before_count >= 0),
    after_count      INTEGER CHECK (after_count >= 0),
    recorded_at      TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL
) STRICT;
