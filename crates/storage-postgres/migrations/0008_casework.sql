-- Casework: contacts, "what matters to me" (kept as revisions), plans with
-- goals and steps, case notes and safeguarding concerns, tasks, discharges
-- and link workers' calendar feeds.

CREATE TABLE contacts (
    id               UUID PRIMARY KEY,
    referral_id      UUID NOT NULL REFERENCES referrals (id),
    person_id        UUID NOT NULL REFERENCES people (id),
    pcn_id           UUID NOT NULL REFERENCES organisations (id),
    worker_id        UUID NOT NULL REFERENCES users (id),
    starts_at        TIMESTAMPTZ NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    mode             TEXT NOT NULL CHECK (mode IN ('face_to_face', 'phone', 'home_visit', 'video', 'group')),
    status           TEXT NOT NULL CHECK (status IN ('scheduled', 'attended', 'did_not_attend', 'cancelled_by_person', 'cancelled_by_us')),
    location         TEXT,
    notes            TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       UUID NOT NULL,
    recorded_at      TIMESTAMPTZ,
    recorded_by      UUID,
    version          BIGINT NOT NULL
);
CREATE INDEX contacts_diary ON contacts (worker_id, starts_at);
CREATE INDEX contacts_referral ON contacts (referral_id, status, starts_at);

CREATE TABLE what_matters (
    id                  UUID PRIMARY KEY,
    referral_id         UUID NOT NULL REFERENCES referrals (id),
    person_id           UUID NOT NULL REFERENCES people (id),
    revision            BIGINT NOT NULL,
    in_their_words      TEXT NOT NULL,
    strengths           TEXT,
    interests           TEXT,
    barrier_notes       TEXT,
    communication_needs TEXT,
    recorded_at         TIMESTAMPTZ NOT NULL,
    recorded_by         UUID NOT NULL,
    recorded_by_name    TEXT NOT NULL,
    UNIQUE (referral_id, revision)
);
CREATE INDEX what_matters_person ON what_matters (person_id, recorded_at);

CREATE TABLE what_matters_needs (
    what_matters_id UUID NOT NULL REFERENCES what_matters (id),
    position        INTEGER NOT NULL,
    need_code       TEXT NOT NULL REFERENCES needs (code),
    PRIMARY KEY (what_matters_id, position)
);
CREATE INDEX what_matters_needs_code ON what_matters_needs (need_code);

CREATE TABLE what_matters_barriers (
    what_matters_id UUID NOT NULL REFERENCES what_matters (id),
    barrier         TEXT NOT NULL CHECK (barrier IN ('cost', 'transport', 'mobility', 'caring', 'anxiety', 'language', 'digital', 'not_knowing')),
    PRIMARY KEY (what_matters_id, barrier)
);

CREATE TABLE what_matters_free_times (
    what_matters_id UUID NOT NULL REFERENCES what_matters (id),
    day             TEXT NOT NULL CHECK (day IN ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')),
    part            TEXT NOT NULL CHECK (part IN ('morning', 'afternoon', 'evening')),
    PRIMARY KEY (what_matters_id, day, part)
);

CREATE TABLE plans (
    referral_id UUID PRIMARY KEY REFERENCES referrals (id),
    person_id   UUID NOT NULL REFERENCES people (id),
    review_date DATE,
    version     BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  UUID NOT NULL
);

CREATE TABLE plan_goals (
    id             UUID PRIMARY KEY,
    referral_id    UUID NOT NULL REFERENCES plans (referral_id),
    position       INTEGER NOT NULL,
    in_their_words TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'achieved', 'no_longer_relevant'))
);
CREATE INDEX plan_goals_referral ON plan_goals (referral_id, position);

CREATE TABLE plan_steps (
    goal_id  UUID NOT NULL REFERENCES plan_goals (id),
    position INTEGER NOT NULL,
    what     TEXT NOT NULL,
    who      TEXT,
    by_when  DATE,
    done     BOOLEAN NOT NULL,
    PRIMARY KEY (goal_id, position)
);

CREATE TABLE case_notes (
    id                 UUID PRIMARY KEY,
    person_id          UUID NOT NULL REFERENCES people (id),
    referral_id        UUID NOT NULL REFERENCES referrals (id),
    pcn_id             UUID NOT NULL REFERENCES organisations (id),
    at                 TIMESTAMPTZ NOT NULL,
    author_id          UUID NOT NULL,
    author_name        TEXT NOT NULL,
    text               TEXT NOT NULL,
    concern_category   TEXT,
    concern_action     TEXT,
    concern_resolved_at TIMESTAMPTZ,
    concern_resolved_by UUID,
    concern_resolution TEXT
);
CREATE INDEX case_notes_referral ON case_notes (referral_id, at);
CREATE INDEX case_notes_open_concerns ON case_notes (pcn_id, at)
    WHERE concern_category IS NOT NULL AND concern_resolved_at IS NULL;

CREATE TABLE tasks (
    id          UUID PRIMARY KEY,
    referral_id UUID NOT NULL REFERENCES referrals (id),
    person_id   UUID NOT NULL REFERENCES people (id),
    pcn_id      UUID NOT NULL REFERENCES organisations (id),
    owner       UUID NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('follow_up_call', 'plan_review', 'chase_partner', 'contact', 'other')),
    title       TEXT NOT NULL,
    due         DATE NOT NULL,
    contact_id  UUID REFERENCES contacts (id),
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  UUID NOT NULL,
    done_at     TIMESTAMPTZ,
    done_by     UUID
);
CREATE INDEX tasks_open_by_owner ON tasks (owner, due) WHERE done_at IS NULL;
CREATE INDEX tasks_referral ON tasks (referral_id, due);

CREATE TABLE discharges (
    referral_id        UUID PRIMARY KEY REFERENCES referrals (id),
    reason             TEXT NOT NULL CHECK (reason IN ('goals_met', 'no_longer_wants_support', 'moved_away', 'unable_to_contact', 'referred_to_statutory', 'died', 'other')),
    summary            TEXT NOT NULL,
    discharged_at      TIMESTAMPTZ NOT NULL,
    discharged_by      UUID NOT NULL,
    discharged_by_name TEXT NOT NULL
);

CREATE TABLE calendar_feeds (
    user_id    UUID PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    full_names BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
