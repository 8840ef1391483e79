-- The person's rights beyond subject access: restriction of processing,
-- erasure by anonymisation, and merging duplicate records (reversibly).

-- A restricted record is kept but hidden from everyone except the team
-- leads of its network (DEVELOPERS.md decision 52).
ALTER TABLE people ADD COLUMN restricted_at TIMESTAMPTZ;
ALTER TABLE people ADD COLUMN restricted_reason TEXT;
ALTER TABLE people ADD COLUMN restricted_by TEXT;
-- When the record was anonymised (decision 53); nothing identifying is left.
ALTER TABLE people ADD COLUMN erased_at TIMESTAMPTZ;
-- A duplicate merged into another record: kept, hidden, restorable.
ALTER TABLE people ADD COLUMN merged_into UUID REFERENCES people (id);

-- Which person a message is about, so messages stop while their record is
-- restricted and are anonymised with it.
ALTER TABLE messages ADD COLUMN person_id UUID REFERENCES people (id);
CREATE INDEX messages_person ON messages (person_id) WHERE person_id IS NOT NULL;

-- Each merge, with the rows it moved (JSON: table name to primary keys),
-- so undoing it moves exactly those back.
CREATE TABLE person_merges (
    id          UUID PRIMARY KEY,
    pcn_id      UUID NOT NULL REFERENCES organisations (id),
    kept_id     UUID NOT NULL REFERENCES people (id),
    merged_id   UUID NOT NULL REFERENCES people (id),
    moved       TEXT NOT NULL,
    merged_at   TIMESTAMPTZ NOT NULL,
    merged_by   TEXT NOT NULL,
    undone_at   TIMESTAMPTZ,
    undone_by   TEXT
);
CREATE INDEX person_merges_kept ON person_merges (kept_id, merged_at);
CREATE INDEX person_merges_merged ON person_merges (merged_id, merged_at);

-- The audit log stays append-only, with one exception: erasure may blank an
-- entry's detail (which can repeat a name) to the one fixed sentence, and
-- change nothing else. Deleting and truncating stay refused.
CREATE FUNCTION audit_events_only_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.detail = 'Details removed when the person''s record was erased'
       AND NEW.id IS NOT DISTINCT FROM OLD.id AND NEW.at IS NOT DISTINCT FROM OLD.at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
       AND NEW.actor_label IS NOT DISTINCT FROM OLD.actor_label
       AND NEW.org_id IS NOT DISTINCT FROM OLD.org_id
       AND NEW.action IS NOT DISTINCT FROM OLD.action
       AND NEW.entity_type IS NOT DISTINCT FROM OLD.entity_type
       AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id
       AND NEW.ip IS NOT DISTINCT FROM OLD.ip THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
DROP TRIGGER audit_events_no_change ON audit_events;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_only_erasure();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- A referral's history likewise: erasure may replace an entry's summary
-- and reason (free text), and the name of a sender without an account (a
-- self-referral's is the person's), with the fixed words, and change
-- nothing else.
CREATE FUNCTION referral_events_only_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.summary = 'Removed when the record was erased'
       AND (NEW.reason IS NULL OR NEW.reason = 'Removed when the record was erased')
       AND NEW.id IS NOT DISTINCT FROM OLD.id
       AND NEW.referral_id IS NOT DISTINCT FROM OLD.referral_id
       AND NEW.at IS NOT DISTINCT FROM OLD.at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
       AND (NEW.actor_label IS NOT DISTINCT FROM OLD.actor_label
            OR (OLD.actor_user_id IS NULL AND NEW.actor_label = 'Removed when the record was erased'))
       AND NEW.kind IS NOT DISTINCT FROM OLD.kind
       AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
       AND NEW.to_status IS NOT DISTINCT FROM OLD.to_status THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'referral history is append-only';
END;
$$;
DROP TRIGGER referral_events_no_change ON referral_events;
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION referral_events_only_erasure();
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION referral_events_append_only();

-- Jobs every instance runs on a schedule but only one should run at a
-- time (the retention sweep): whoever moves `next_due_at` on first has it.
CREATE TABLE scheduled_jobs (
    name        TEXT PRIMARY KEY,
    next_due_at TIMESTAMPTZ NOT NULL
);
