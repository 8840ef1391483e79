-- Linking: onward referrals to community services with their history and
-- one-time answer links, services' capacity, favourites, shortlists, the
-- message queue, and when each referral's person first attended a service.

ALTER TABLE referrals ADD COLUMN intervention_received_at TEXT;

CREATE TABLE onward_referrals (
    id                        BLOB PRIMARY KEY NOT NULL,
    referral_id               BLOB NOT NULL REFERENCES referrals (id),
    person_id                 BLOB NOT NULL REFERENCES people (id),
    pcn_id                    BLOB NOT NULL REFERENCES organisations (id),
    service_id                BLOB NOT NULL,
    service_name              TEXT NOT NULL,
    partner_org_id            BLOB REFERENCES organisations (id),
    service_email             TEXT,
    support                   TEXT NOT NULL CHECK (support IN ('information', 'introduction', 'accompanied')),
    shared_fields             TEXT NOT NULL,
    shared_name               TEXT,
    shared_phone              TEXT,
    shared_email              TEXT,
    shared_contact_preference TEXT,
    shared_needs              TEXT NOT NULL,
    shared_what_matters       TEXT,
    shared_access_needs       TEXT,
    message                   TEXT,
    status                    TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'started', 'did_not_attend', 'completed', 'withdrawn')),
    decline_reason            TEXT CHECK (decline_reason IN ('full', 'not_eligible', 'cannot_contact', 'other')),
    answer_note               TEXT,
    sent_at                   TEXT NOT NULL,
    sent_by                   BLOB NOT NULL,
    sent_by_name              TEXT NOT NULL,
    answered_at               TEXT,
    started_at                TEXT,
    completed_at              TEXT,
    chased                    INTEGER NOT NULL,
    seen_at                   TEXT,
    version                   INTEGER NOT NULL,
    updated_at                TEXT NOT NULL
) STRICT;
CREATE INDEX onward_referral ON onward_referrals (referral_id, sent_at);
CREATE INDEX onward_partner ON onward_referrals (partner_org_id, sent_at);
CREATE INDEX onward_network ON onward_referrals (pcn_id, status, sent_at);
CREATE INDEX onward_unanswered ON onward_referrals (status, sent_at);

CREATE TABLE onward_events (
    id            BLOB PRIMARY KEY NOT NULL,
    onward_id     BLOB NOT NULL REFERENCES onward_referrals (id),
    at            TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label   TEXT NOT NULL,
    summary       TEXT NOT NULL,
    note          TEXT
) STRICT;
CREATE INDEX onward_events_onward ON onward_events (onward_id, at);

CREATE TABLE answer_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    onward_id  BLOB NOT NULL REFERENCES onward_referrals (id),
    answer     TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;
CREATE INDEX answer_links_onward ON answer_links (onward_id);

CREATE TABLE capacities (
    service_id BLOB PRIMARY KEY NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('full', 'waiting_list')),
    until      TEXT NOT NULL,
    note       TEXT,
    set_by     BLOB NOT NULL,
    set_at     TEXT NOT NULL
) STRICT;

CREATE TABLE favourites (
    user_id    BLOB NOT NULL REFERENCES users (id),
    service_id BLOB NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, service_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE shortlists (
    id          BLOB PRIMARY KEY NOT NULL,
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    person_id   BLOB NOT NULL REFERENCES people (id),
    pcn_id      BLOB NOT NULL REFERENCES organisations (id),
    note        TEXT,
    created_at  TEXT NOT NULL,
    created_by  BLOB NOT NULL,
    sent_via    TEXT CHECK (sent_via IN ('email', 'text')),
    sent_to     TEXT
) STRICT;
CREATE INDEX shortlists_referral ON shortlists (referral_id, created_at);

CREATE TABLE shortlist_services (
    shortlist_id BLOB NOT NULL REFERENCES shortlists (id),
    position     INTEGER NOT NULL,
    service_id   BLOB NOT NULL,
    PRIMARY KEY (shortlist_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE messages (
    id              BLOB PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'text')),
    recipient       TEXT NOT NULL,
    subject         TEXT,
    body            TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    org_id          BLOB REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'held')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    claimed_until   TEXT
) STRICT;
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_org ON messages (org_id, created_at);

-- Which directory needs (taxonomy terms, by code) serve each reason a
-- referral gives, for finding support for a person. Data, so a deployment
-- can change it.
CREATE TABLE need_terms (
    need_code TEXT NOT NULL REFERENCES needs (code),
    term_code TEXT NOT NULL,
    PRIMARY KEY (need_code, term_code)
) STRICT, WITHOUT ROWID;
INSERT INTO need_terms (need_code, term_code) VALUES
    ('loneliness', 'social-connection'),
    ('loneliness', 'arts'),
    ('isolation', 'social-connection'),
    ('isolation', 'nature'),
    ('debt', 'money'),
    ('benefits', 'benefits'),
    ('housing', 'housing'),
    ('stress', 'mental-wellbeing'),
    ('bereavement', 'bereavement'),
    ('caring', 'carers'),
    ('employment', 'employment'),
    ('physical_activity', 'physical-activity'),
    ('long_term_condition', 'long-term-conditions'),
    ('dementia', 'dementia'),
    ('mental_wellbeing', 'mental-wellbeing');
