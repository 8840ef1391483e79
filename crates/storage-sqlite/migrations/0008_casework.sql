-- Casework: contacts, "what matters to me" (kept as revisions), plans with
-- goals and steps, case notes and safeguarding concerns, tasks, discharges
-- and link workers' calendar feeds.

CREATE TABLE contacts (
    id               BLOB PRIMARY KEY NOT NULL,
    referral_id      BLOB NOT NULL REFERENCES referrals (id),
    person_id        BLOB NOT NULL REFERENCES people (id),
    pcn_id           BLOB NOT NULL REFERENCES organisations (id),
    worker_id        BLOB NOT NULL REFERENCES users (id),
    starts_at        TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    mode             TEXT NOT NULL CHECK (mode IN ('face_to_face', 'phone', 'home_visit', 'video', 'group')),
    status           TEXT NOT NULL CHECK (status IN ('scheduled', 'attended', 'did_not_attend', 'cancelled_by_person', 'cancelled_by_us')),
    location         TEXT,
    notes            TEXT,
    created_at       TEXT NOT NULL,
    created_by       BLOB NOT NULL,
    recorded_at      TEXT,
    recorded_by      BLOB,
    version          INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_diary ON contacts (worker_id, starts_at);
CREATE INDEX contacts_referral ON contacts (referral_id, status, starts_at);

CREATE TABLE what_matters (
    id                  BLOB PRIMARY KEY NOT NULL,
    referral_id         BLOB NOT NULL REFERENCES referrals (id),
    person_id           BLOB NOT NULL REFERENCES people (id),
    revision            INTEGER NOT NULL,
    in_their_words      TEXT NOT NULL,
    strengths           TEXT,
    interests           TEXT,
    barrier_notes       TEXT,
    communication_needs TEXT,
    recorded_at         TEXT NOT NULL,
    recorded_by         BLOB NOT NULL,
    recorded_by_name    TEXT NOT NULL,
    UNIQUE (referral_id, revision)
) STRICT;
CREATE INDEX what_matters_person ON what_matters (person_id, recorded_at);

CREATE TABLE what_matters_needs (
    what_matters_id BLOB NOT NULL REFERENCES what_matters (id),
    position        INTEGER NOT NULL,
    need_code       TEXT NOT NULL REFERENCES needs (code),
    PRIMARY KEY (what_matters_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX what_matters_needs_code ON what_matters_needs (need_code);

CREATE TABLE what_matters_barriers (
    what_matters_id BLOB NOT NULL REFERENCES what_matters (id),
    barrier         TEXT NOT NULL CHECK (barrier IN ('cost', 'transport', 'mobility', 'caring', 'anxiety', 'language', 'digital', 'not_knowing')),
    PRIMARY KEY (what_matters_id, barrier)
) STRICT, WITHOUT ROWID;

CREATE TABLE what_matters_free_times (
    what_matters_id BLOB NOT NULL REFERENCES what_matters (id),
    day             TEXT NOT NULL CHECK (day IN ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')),
    part            TEXT NOT NULL CHECK (part IN ('morning', 'afternoon', 'evening')),
    PRIMARY KEY (what_matters_id, day, part)
) STRICT, WITHOUT ROWID;

CREATE TABLE plans (
    referral_id BLOB PRIMARY KEY NOT NULL REFERENCES referrals (id),
    person_id   BLOB NOT NULL REFERENCES people (id),
    review_date TEXT,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  BLOB NOT NULL
) STRICT;

CREATE TABLE plan_goals (
    id             BLOB PRIMARY KEY NOT NULL,
    referral_id    BLOB NOT NULL REFERENCES plans (referral_id),
    position       INTEGER NOT NULL,
    in_their_words TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'achieved', 'no_longer_relevant'))
) STRICT;
CREATE INDEX plan_goals_referral ON plan_goals (referral_id, position);

CREATE TABLE plan_steps (
    goal_id  BLOB NOT NULL REFERENCES plan_goals (id),
    position INTEGER NOT NULL,
    what     TEXT NOT NULL,
    who      TEXT,
    by_when  TEXT,
    done     INTEGER NOT NULL,
    PRIMARY KEY (goal_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE case_notes (
    id                 BLOB PRIMARY KEY NOT NULL,
    person_id          BLOB NOT NULL REFERENCES people (id),
    referral_id        BLOB NOT NULL REFERENCES referrals (id),
    pcn_id             BLOB NOT NULL REFERENCES organisations (id),
    at                 TEXT NOT NULL,
    author_id          BLOB NOT NULL,
    author_name        TEXT NOT NULL,
    text               TEXT NOT NULL,
    concern_category   TEXT,
    concern_action     TEXT,
    concern_resolved_at TEXT,
    concern_resolved_by BLOB,
    concern_resolution TEXT
) STRICT;
CREATE INDEX case_notes_referral ON case_notes (referral_id, at);
CREATE INDEX case_notes_open_concerns ON case_notes (pcn_id, at)
    WHERE concern_category IS NOT NULL AND concern_resolved_at IS NULL;

CREATE TABLE tasks (
    id          BLOB PRIMARY KEY NOT NULL,
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    person_id   BLOB NOT NULL REFERENCES people (id),
    pcn_id      BLOB NOT NULL REFERENCES organisations (id),
    owner       BLOB NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('follow_up_call', 'plan_review', 'chase_partner', 'contact', 'other')),
    title       TEXT NOT NULL,
    due         TEXT NOT NULL,
    contact_id  BLOB REFERENCES contacts (id),
    created_at  TEXT NOT NULL,
    created_by  BLOB NOT NULL,
    done_at     TEXT,
    done_by     BLOB
) STRICT;
CREATE INDEX tasks_open_by_owner ON tasks (owner, due) WHERE done_at IS NULL;
CREATE INDEX tasks_referral ON tasks (referral_id, due);

CREATE TABLE discharges (
    referral_id        BLOB PRIMARY KEY NOT NULL REFERENCES referrals (id),
    reason             TEXT NOT NULL CHECK (reason IN ('goals_met', 'no_longer_wants_support', 'moved_away', 'unable_to_contact', 'referred_to_statutory', 'died', 'other')),
    summary            TEXT NOT NULL,
    discharged_at      TEXT NOT NULL,
    discharged_by      BLOB NOT NULL,
    discharged_by_name TEXT NOT NULL
) STRICT;

CREATE TABLE calendar_feeds (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    full_names INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
