-- Security fixes (issue 8).

-- Attempts (sign-ins, public form submissions) counted per key, in a window
-- that starts at the key's first attempt. Each attempt is counted with one
-- upsert, so requests made at the same moment each see their own count;
-- login_failures and rate_limit_hits counted, then recorded, in two steps.
CREATE TABLE rate_counters (
    key          TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX rate_counters_window_start ON rate_counters (window_start);
DROP TABLE login_failures;
DROP TABLE rate_limit_hits;

-- What a referral said about the person that disagrees with the network's
-- record of the same NHS number. The referral is not attached to that
-- record; the team checks who the person is.
ALTER TABLE referrals ADD COLUMN identity_check TEXT;

-- Security events are listed by what happened.
CREATE INDEX audit_events_action_at ON audit_events (action, at);
