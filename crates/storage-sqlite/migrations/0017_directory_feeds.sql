-- Feeds the directory is kept current from (issue 9): each registered
-- feed, the services each brought (to withdraw those that leave it, and to
-- notice listings edited locally), and every reading's report.
CREATE TABLE directory_feeds (
    id             BLOB PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    every_hours    INTEGER NOT NULL CHECK (every_hours BETWEEN 1 AND 744),
    next_run_at    TEXT NOT NULL,
    -- Asked for by a directory manager: the next reading says so.
    asked          INTEGER NOT NULL DEFAULT 0 CHECK (asked IN (0, 1)),
    -- The instance reading it holds it until then (several instances may
    -- share one PostgreSQL; exactly one reads a feed).
    claimed_until  TEXT,
    created_by     BLOB NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    removed_at     TEXT
) STRICT;
CREATE UNIQUE INDEX directory_feeds_url ON directory_feeds (url) WHERE removed_at IS NULL;
CREATE INDEX directory_feeds_due ON directory_feeds (next_run_at) WHERE removed_at IS NULL;

CREATE TABLE directory_feed_services (
    service_id        BLOB PRIMARY KEY NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    feed_id           BLOB NOT NULL REFERENCES directory_feeds (id),
    -- A digest of the service as the feed last sent it: an unchanged
    -- service is not written again.
    fingerprint       TEXT NOT NULL,
    edited_locally_at TEXT,
    withdrawn_at      TEXT
) STRICT;
CREATE INDEX directory_feed_services_feed ON directory_feed_services (feed_id);

CREATE TABLE directory_feed_runs (
    id          BLOB PRIMARY KEY NOT NULL,
    feed_id     BLOB NOT NULL REFERENCES directory_feeds (id),
    trigger     TEXT NOT NULL CHECK (trigger IN ('schedule', 'asked')),
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    failure     TEXT,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    withdrawn   INTEGER NOT NULL,
    kept_local  INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    -- The lists behind the counts (RunReport as JSON).
    report      TEXT NOT NULL
) STRICT;
CREATE INDEX directory_feed_runs_feed ON directory_feed_runs (feed_id, started_at);
