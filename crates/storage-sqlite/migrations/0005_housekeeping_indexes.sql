-- The periodic sweeps delete by time alone, which the (key, at) indexes
-- cannot serve: without these each sweep reads the whole table.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);
CREATE INDEX login_failures_at ON login_failures (at);
CREATE INDEX rate_limit_hits_at ON rate_limit_hits (at);
