-- People, referrals and their history, consents, the reference data they
-- are coded with, API tokens and the public form's rate limit.

-- The reasons a referral can give. Seeded with the common ones; a
-- deployment can add, rename or retire them (`linkwork needs …`).
CREATE TABLE needs (
    code        TEXT PRIMARY KEY NOT NULL,
    label       TEXT NOT NULL,
    snomed_code TEXT,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    position    INTEGER NOT NULL
) STRICT;
INSERT INTO needs (code, label, snomed_code, active, position) VALUES
    ('loneliness', 'Loneliness', NULL, 1, 10),
    ('isolation', 'Social isolation', NULL, 1, 20),
    ('debt', 'Debt and money worries', NULL, 1, 30),
    ('benefits', 'Benefits', NULL, 1, 40),
    ('housing', 'Housing', NULL, 1, 50),
    ('stress', 'Stress', NULL, 1, 60),
    ('bereavement', 'Bereavement', NULL, 1, 70),
    ('caring', 'Caring for someone', NULL, 1, 80),
    ('employment', 'Work, training or volunteering', NULL, 1, 90),
    ('physical_activity', 'Physical activity', NULL, 1, 100),
    ('long_term_condition', 'Living with a long-term condition', NULL, 1, 110),
    ('dementia', 'Dementia', NULL, 1, 120),
    ('mental_wellbeing', 'Mental wellbeing', NULL, 1, 130);

-- Clinical codes written to GP records, as data so a deployment can
-- correct them (`linkwork codes set …`). Verified SNOMED CT concepts.
CREATE TABLE clinical_codes (
    purpose TEXT PRIMARY KEY NOT NULL CHECK (purpose IN ('referral', 'declined')),
    system  TEXT NOT NULL,
    code    TEXT NOT NULL,
    display TEXT NOT NULL
) STRICT;
INSERT INTO clinical_codes (purpose, system, code, display) VALUES
    ('referral', 'http://snomed.info/sct', '871731000000106', 'Referral to social prescribing service (procedure)'),
    ('declined', 'http://snomed.info/sct', '871711000000103', 'Social prescribing declined (situation)');

-- Which network's team takes referrals for people living in a postcode
-- district when their GP practice is not known.
CREATE TABLE pcn_coverage (
    outcode TEXT PRIMARY KEY NOT NULL,
    pcn_id  BLOB NOT NULL REFERENCES organisations (id)
) STRICT;
CREATE INDEX pcn_coverage_pcn ON pcn_coverage (pcn_id);

CREATE TABLE people (
    id                        BLOB PRIMARY KEY NOT NULL,
    pcn_id                    BLOB NOT NULL REFERENCES organisations (id),
    nhs_number                TEXT,
    given_name                TEXT NOT NULL,
    family_name               TEXT NOT NULL,
    preferred_name            TEXT,
    date_of_birth             TEXT NOT NULL,
    sex                       TEXT CHECK (sex IN ('female', 'male', 'indeterminate', 'not_known')),
    gender_identity           TEXT,
    ethnicity                 TEXT,
    address_line1             TEXT,
    address_line2             TEXT,
    town                      TEXT,
    postcode                  TEXT,
    lsoa                      TEXT,
    imd_decile                INTEGER CHECK (imd_decile BETWEEN 1 AND 10),
    gp_practice_id            BLOB REFERENCES organisations (id),
    phone                     TEXT,
    email                     TEXT,
    contact_method            TEXT CHECK (contact_method IN ('phone', 'text', 'email', 'letter')),
    contact_times             TEXT,
    safe_to_leave_message     INTEGER,
    language                  TEXT,
    interpreter_needed        INTEGER NOT NULL,
    bsl                       INTEGER NOT NULL,
    easy_read                 INTEGER NOT NULL,
    large_print               INTEGER NOT NULL,
    other_communication_needs TEXT,
    safeguarding_concern      INTEGER NOT NULL,
    safeguarding_details      TEXT,
    -- Lower-cased name|name|date of birth|postcode, to find duplicates.
    match_key                 TEXT,
    -- Lower-cased words a search matches.
    search_text               TEXT NOT NULL,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
) STRICT;
-- One record per NHS number in each network.
CREATE UNIQUE INDEX people_pcn_nhs_number ON people (pcn_id, nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX people_pcn_match ON people (pcn_id, match_key);
CREATE INDEX people_pcn_name ON people (pcn_id, family_name, given_name);

CREATE TABLE consents (
    id                  BLOB PRIMARY KEY NOT NULL,
    person_id           BLOB NOT NULL REFERENCES people (id),
    kind                TEXT NOT NULL CHECK (kind IN ('referral', 'contact', 'share')),
    partner_org_id      BLOB REFERENCES organisations (id),
    given               INTEGER NOT NULL,
    recorded_at         TEXT NOT NULL,
    recorded_by         TEXT NOT NULL,
    recorded_by_user_id BLOB,
    referral_id         BLOB
) STRICT;
CREATE INDEX consents_person ON consents (person_id, recorded_at);

CREATE TABLE referrals (
    id                      BLOB PRIMARY KEY NOT NULL,
    reference               TEXT NOT NULL UNIQUE,
    person_id               BLOB NOT NULL REFERENCES people (id),
    pcn_id                  BLOB NOT NULL REFERENCES organisations (id),
    route                   TEXT NOT NULL CHECK (route IN ('professional', 'self', 'community', 'api', 'fhir')),
    status                  TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'in_progress', 'discharged', 'declined', 'redirected', 'unable_to_contact', 'withdrawn')),
    urgency                 TEXT NOT NULL CHECK (urgency IN ('routine', 'urgent')),
    details                 TEXT,
    code                    TEXT NOT NULL,
    referrer_org_id         BLOB REFERENCES organisations (id),
    referrer_user_id        BLOB REFERENCES users (id),
    referrer_api_token_id   BLOB,
    referrer_name           TEXT NOT NULL,
    referrer_role           TEXT,
    referrer_phone          TEXT,
    referrer_email          TEXT,
    idempotency_key         TEXT UNIQUE,
    received_at             TEXT NOT NULL,
    accepted_at             TEXT,
    first_contact_at        TEXT,
    closed_at               TEXT,
    assigned_to             BLOB REFERENCES users (id),
    failed_contact_attempts INTEGER NOT NULL,
    next_action_due         TEXT,
    next_action_note        TEXT,
    outcome_decline_reason  TEXT,
    outcome_redirected_to   TEXT,
    outcome_note            TEXT,
    outcome_code            TEXT,
    version                 INTEGER NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;
CREATE INDEX referrals_waiting ON referrals (pcn_id, status, received_at);
CREATE INDEX referrals_caseload ON referrals (assigned_to, status, next_action_due);
CREATE INDEX referrals_referrer ON referrals (referrer_org_id, received_at);
CREATE INDEX referrals_person ON referrals (person_id, received_at);

CREATE TABLE referral_needs (
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    need_code   TEXT NOT NULL REFERENCES needs (code),
    position    INTEGER NOT NULL,
    PRIMARY KEY (referral_id, need_code)
) STRICT, WITHOUT ROWID;

-- Who did what to a referral, when and why.
CREATE TABLE referral_events (
    id            BLOB PRIMARY KEY NOT NULL,
    referral_id   BLOB NOT NULL REFERENCES referrals (id),
    at            TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('received', 'status_change', 'assignment', 'contact_attempt', 'next_action')),
    from_status   TEXT,
    to_status     TEXT,
    summary       TEXT NOT NULL,
    reason        TEXT
) STRICT;
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);

-- A referral's history is kept as it happened, like the audit log.
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
BEGIN
    SELECT RAISE(ABORT, 'referral history is append-only');
END;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
BEGIN
    SELECT RAISE(ABORT, 'referral history is append-only');
END;

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL REFERENCES organisations (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
CREATE INDEX api_tokens_org ON api_tokens (org_id);

CREATE TABLE rate_limit_hits (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
) STRICT;
CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);
