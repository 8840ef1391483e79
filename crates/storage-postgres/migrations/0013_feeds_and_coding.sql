-- A referral's history records the team coding its needs (reasons that
-- arrived as words).
ALTER TABLE referral_events
    DROP CONSTRAINT referral_events_kind_check,
    ADD CONSTRAINT referral_events_kind_check
        CHECK (kind IN ('received', 'status_change', 'assignment', 'contact_attempt', 'next_action', 'needs_coded'));
