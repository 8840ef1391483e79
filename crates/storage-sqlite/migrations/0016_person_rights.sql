-- The person's rights beyond subject access: restriction of processing,
-- erasure by anonymisation, and merging duplicate records (reversibly).

-- A restricted record is kept but hidden from everyone except the team
-- leads of its network (DEVELOPERS.md decision 52).
ALTER TABLE people ADD COLUMN restricted_at TEXT;
ALTER TABLE people ADD COLUMN restricted_reason TEXT;
ALTER TABLE people ADD COLUMN restricted_by TEXT;
-- When the record was anonymised (decision 53); nothing identifying is left.
ALTER TABLE people ADD COLUMN erased_at TEXT;
-- A duplicate merged into another record: kept, hidden, restorable.
ALTER TABLE people ADD COLUMN merged_into BLOB REFERENCES people (id);

-- Which person a message is about, so messages stop while their record is
-- restricted and are anonymised with it.
ALTER TABLE messages ADD COLUMN person_id BLOB REFERENCES people (id);
CREATE INDEX messages_person ON messages (person_id) WHERE person_id IS NOT NULL;

-- Each merge, with the rows it moved (JSON: table name to primary keys),
-- so undoing it moves exactly those back.
CREATE TABLE person_merges (
    id          BLOB PRIMARY KEY NOT NULL,
    pcn_id      BLOB NOT NULL REFERENCES organisations (id),
    kept_id     BLOB NOT NULL REFERENCES people (id),
    merged_id   BLOB NOT NULL REFERENCES people (id),
    moved       TEXT NOT NULL,
    merged_at   TEXT NOT NULL,
    merged_by   TEXT NOT NULL,
    undone_at   TEXT,
    undone_by   TEXT
) STRICT;
CREATE INDEX person_merges_kept ON person_merges (kept_id, merged_at);
CREATE INDEX person_merges_merged ON person_merges (merged_id, merged_at);

-- The audit log stays append-only, with one exception: erasure may blank an
-- entry's detail (which can repeat a name) to the one fixed sentence, and
-- change nothing else.
DROP TRIGGER audit_events_no_update;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN NOT (
    NEW.detail = 'Details removed when the person''s record was erased'
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_user_id IS OLD.actor_user_id
    AND NEW.actor_label IS OLD.actor_label AND NEW.org_id IS OLD.org_id
    AND NEW.action IS OLD.action AND NEW.entity_type IS OLD.entity_type
    AND NEW.entity_id IS OLD.entity_id AND NEW.ip IS OLD.ip
)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- A referral's history likewise: erasure may replace an entry's summary
-- and reason (free text), and the name of a sender without an account (a
-- self-referral's is the person's), with the fixed words, and change
-- nothing else.
DROP TRIGGER referral_events_no_update;
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
WHEN NOT (
    NEW.summary = 'Removed when the record was erased'
    AND (NEW.reason IS NULL OR NEW.reason = 'Removed when the record was erased')
    AND NEW.id IS OLD.id AND NEW.referral_id IS OLD.referral_id AND NEW.at IS OLD.at
    AND NEW.actor_user_id IS OLD.actor_user_id
    AND (NEW.actor_label IS OLD.actor_label
         OR (OLD.actor_user_id IS NULL AND NEW.actor_label = 'Removed when the record was erased'))
    AND NEW.kind IS OLD.kind AND NEW.from_status IS OLD.from_status
    AND NEW.to_status IS OLD.to_status
)
BEGIN
    SELECT RAISE(ABORT, 'referral history is append-only');
END;

-- Jobs every instance runs on a schedule but only one should run at a
-- time (the retention sweep): whoever moves `next_due_at` on first has it.
CREATE TABLE scheduled_jobs (
    name        TEXT PRIMARY KEY NOT NULL,
    next_due_at TEXT NOT NULL
) STRICT;
