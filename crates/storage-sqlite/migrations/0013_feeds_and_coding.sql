-- A referral's history records the team coding its needs (reasons that
-- arrived as words). SQLite cannot change a CHECK constraint, so the table
-- is rebuilt as 0004 made it, with the new kind, and its index and
-- append-only triggers made again. Nothing references its rows.
CREATE TABLE referral_events_new (
    id            BLOB PRIMARY KEY NOT NULL,
    referral_id   BLOB NOT NULL REFERENCES referrals (id),
    at            TEXT NOT NULL,
    actor_user_id BLOB,
    actor_label   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('received', 'status_change', 'assignment', 'contact_attempt', 'next_action', 'needs_coded')),
    from_status   TEXT,
    to_status     TEXT,
    summary       TEXT NOT NULL,
    reason        TEXT
) STRICT;
INSERT INTO referral_events_new (id, referral_id, at, actor_user_id, actor_label, kind, from_status, to_status, summary, reason)
    SELECT id, referral_id, at, actor_user_id, actor_label, kind, from_status, to_status, summary, reason FROM referral_events;
DROP TABLE referral_events;
ALTER TABLE referral_events_new RENAME TO referral_events;
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
