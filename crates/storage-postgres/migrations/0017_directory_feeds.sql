-- Feeds the directory is kept current from (issue 9): each registered
-- feed, the services each brought (to withdraw those that leave it, and to
-- notice listings edited locally), and every reading's report.
CREATE TABLE directory_feeds (
    id             UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    every_hours    INTEGER NOT NULL CHECK (every_hours BETWEEN 1 AND 744),
    next_run_at    TIMESTAMPTZ NOT NULL,
    -- Asked for by a directory manager: the next reading says so.
    asked          BOOLEAN NOT NULL DEFAULT FALSE,
    -- The instance reading it holds it until then (several instances may
    -- share one PostgreSQL; exactly one reads a feed).
    claimed_until  TIMESTAMPTZ,
    created_by     UUID NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL,
    removed_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX directory_feeds_url ON directory_feeds (url) WHERE removed_at IS NULL;
CREATE INDEX directory_feeds_due ON directory_feeds (next_run_at) WHERE removed_at IS NULL;

CREATE TABLE directory_feed_services (
    service_id        UUID PRIMARY KEY REFERENCES dir_services (id) ON DELETE CASCADE,
    feed_id           UUID NOT NULL REFERENCES directory_feeds (id),
    -- A digest of the service as the feed last sent it: an unchanged
    -- service is not written again.
    fingerprint       TEXT NOT NULL,
    edited_locally_at TIMESTAMPTZ,
    withdrawn_at      TIMESTAMPTZ
);
CREATE INDEX directory_feed_services_feed ON directory_feed_services (feed_id);

CREATE TABLE directory_feed_runs (
    id          UUID PRIMARY KEY,
    feed_id     UUID NOT NULL REFERENCES directory_feeds (id),
    trigger     TEXT NOT NULL CHECK (trigger IN ('schedule', 'asked')),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    failure     TEXT,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    withdrawn   INTEGER NOT NULL,
    kept_local  INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    -- The lists behind the counts (RunReport as JSON).
    report      TEXT NOT NULL
);
CREATE INDEX directory_feed_runs_feed ON directory_feed_runs (feed_id, started_at);
