-- People, referrals and their history, consents, the reference data they
-- are coded with, API tokens and the public form's rate limit.

-- The reasons a referral can give. Seeded with the common ones; a
-- deployment can add, rename or retire them (`linkwork needs …`).
CREATE TABLE needs (
    code        TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    snomed_code TEXT,
    active      BOOLEAN NOT NULL,
    position    INTEGER NOT NULL
);
INSERT INTO needs (code, label, snomed_code, active, position) VALUES
    ('loneliness', 'Loneliness', NULL, TRUE, 10),
    ('isolation', 'Social isolation', NULL, TRUE, 20),
    ('debt', 'Debt and money worries', NULL, TRUE, 30),
    ('benefits', 'Benefits', NULL, TRUE, 40),
    ('housing', 'Housing', NULL, TRUE, 50),
    ('stress', 'Stress', NULL, TRUE, 60),
    ('bereavement', 'Bereavement', NULL, TRUE, 70),
    ('caring', 'Caring for someone', NULL, TRUE, 80),
    ('employment', 'Work, training or volunteering', NULL, TRUE, 90),
    ('physical_activity', 'Physical activity', NULL, TRUE, 100),
    ('long_term_condition', 'Living with a long-term condition', NULL, TRUE, 110),
    ('dementia', 'Dementia', NULL, TRUE, 120),
    ('mental_wellbeing', 'Mental wellbeing', NULL, TRUE, 130);

-- Clinical codes written to GP records, as data so a deployment can
-- correct them (`linkwork codes set …`). Verified SNOMED CT concepts.
CREATE TABLE clinical_codes (
    purpose TEXT PRIMARY KEY CHECK (purpose IN ('referral', 'declined')),
    system  TEXT NOT NULL,
    code    TEXT NOT NULL,
    display TEXT NOT NULL
);
INSERT INTO clinical_codes (purpose, system, code, display) VALUES
    ('referral', 'http://snomed.info/sct', '871731000000106', 'Referral to social prescribing service (procedure)'),
    ('declined', 'http://snomed.info/sct', '871711000000103', 'Social prescribing declined (situation)');

-- Which network's team takes referrals for people living in a postcode
-- district when their GP practice is not known.
CREATE TABLE pcn_coverage (
    outcode TEXT PRIMARY KEY,
    pcn_id  UUID NOT NULL REFERENCES organisations (id)
);
CREATE INDEX pcn_coverage_pcn ON pcn_coverage (pcn_id);

CREATE TABLE people (
    id                        UUID PRIMARY KEY,
    pcn_id                    UUID NOT NULL REFERENCES organisations (id),
    nhs_number                TEXT,
    given_name                TEXT NOT NULL,
    family_name               TEXT NOT NULL,
    preferred_name            TEXT,
    date_of_birth             DATE NOT NULL,
    sex                       TEXT CHECK (sex IN ('female', 'male', 'indeterminate', 'not_known')),
    gender_identity           TEXT,
    ethnicity                 TEXT,
    address_line1             TEXT,
    address_line2             TEXT,
    town                      TEXT,
    postcode                  TEXT,
    lsoa                      TEXT,
    imd_decile                SMALLINT CHECK (imd_decile BETWEEN 1 AND 10),
    gp_practice_id            UUID REFERENCES organisations (id),
    phone                     TEXT,
    email                     TEXT,
    contact_method            TEXT CHECK (contact_method IN ('phone', 'text', 'email', 'letter')),
    contact_times             TEXT,
    safe_to_leave_message     BOOLEAN,
    language                  TEXT,
    interpreter_needed        BOOLEAN NOT NULL,
    bsl                       BOOLEAN NOT NULL,
    easy_read                 BOOLEAN NOT NULL,
    large_print               BOOLEAN NOT NULL,
    other_communication_needs TEXT,
    safeguarding_concern      BOOLEAN NOT NULL,
    safeguarding_details      TEXT,
    -- Lower-cased name|name|date of birth|postcode, to find duplicates.
    match_key                 TEXT,
    -- Lower-cased words a search matches.
    search_text               TEXT NOT NULL,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);
-- One record per NHS number in each network.
CREATE UNIQUE INDEX people_pcn_nhs_number ON people (pcn_id, nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX people_pcn_match ON people (pcn_id, match_key);
CREATE INDEX people_pcn_name ON people (pcn_id, family_name, given_name);

CREATE TABLE consents (
    id                  UUID PRIMARY KEY,
    person_id           UUID NOT NULL REFERENCES people (id),
    kind                TEXT NOT NULL CHECK (kind IN ('referral', 'contact', 'share')),
    partner_org_id      UUID REFERENCES organisations (id),
    given               BOOLEAN NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL,
    recorded_by         TEXT NOT NULL,
    recorded_by_user_id UUID,
    referral_id         UUID
);
CREATE INDEX consents_person ON consents (person_id, recorded_at);

CREATE TABLE referrals (
    id                      UUID PRIMARY KEY,
    reference               TEXT NOT NULL UNIQUE,
    person_id               UUID NOT NULL REFERENCES people (id),
    pcn_id                  UUID NOT NULL REFERENCES organisations (id),
    route                   TEXT NOT NULL CHECK (route IN ('professional', 'self', 'community', 'api', 'fhir')),
    status                  TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'in_progress', 'discharged', 'declined', 'redirected', 'unable_to_contact', 'withdrawn')),
    urgency                 TEXT NOT NULL CHECK (urgency IN ('routine', 'urgent')),
    details                 TEXT,
    code                    TEXT NOT NULL,
    referrer_org_id         UUID REFERENCES organisations (id),
    referrer_user_id        UUID REFERENCES users (id),
    referrer_api_token_id   UUID,
    referrer_name           TEXT NOT NULL,
    referrer_role           TEXT,
    referrer_phone          TEXT,
    referrer_email          TEXT,
    idempotency_key         TEXT UNIQUE,
    received_at             TIMESTAMPTZ NOT NULL,
    accepted_at             TIMESTAMPTZ,
    first_contact_at        TIMESTAMPTZ,
    closed_at               TIMESTAMPTZ,
    assigned_to             UUID REFERENCES users (id),
    failed_contact_attempts INTEGER NOT NULL,
    next_action_due         DATE,
    next_action_note        TEXT,
    outcome_decline_reason  TEXT,
    outcome_redirected_to   TEXT,
    outcome_note            TEXT,
    outcome_code            TEXT,
    version                 BIGINT NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_waiting ON referrals (pcn_id, status, received_at);
CREATE INDEX referrals_caseload ON referrals (assigned_to, status, next_action_due);
CREATE INDEX referrals_referrer ON referrals (referrer_org_id, received_at);
CREATE INDEX referrals_person ON referrals (person_id, received_at);

CREATE TABLE referral_needs (
    referral_id UUID NOT NULL REFERENCES referrals (id),
    need_code   TEXT NOT NULL REFERENCES needs (code),
    position    INTEGER NOT NULL,
    PRIMARY KEY (referral_id, need_code)
);

-- Who did what to a referral, when and why.
CREATE TABLE referral_events (
    id            UUID PRIMARY KEY,
    referral_id   UUID NOT NULL REFERENCES referrals (id),
    at            TIMESTAMPTZ NOT NULL,
    actor_user_id UUID,
    actor_label   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('received', 'status_change', 'assignment', 'contact_attempt', 'next_action')),
    from_status   TEXT,
    to_status     TEXT,
    summary       TEXT NOT NULL,
    reason        TEXT
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);

-- A referral's history is kept as it happened, like the audit log.
CREATE FUNCTION referral_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'referral history is append-only';
END;
$$;
CREATE TRIGGER referral_events_no_change BEFORE UPDATE OR DELETE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION referral_events_append_only();
CREATE TRIGGER referral_events_no_truncate BEFORE TRUNCATE ON referral_events
    FOR EACH STATEMENT EXECUTE FUNCTION referral_events_append_only();

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organisations (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

CREATE TABLE rate_limit_hits (
    key TEXT NOT NULL,
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);
