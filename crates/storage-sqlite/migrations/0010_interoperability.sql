-- Interoperability with what other systems send (issue 9).

-- A digest of who a submission was for and why (SHA-256 of the NHS number,
-- date of birth and reasons), kept with its idempotency key: a resend with
-- the same key and digest is the same referral; the same key with another
-- digest is a different referral reusing an identifier, and is refused.
ALTER TABLE referrals ADD COLUMN submission_digest TEXT;

-- Reasons as another system wrote them (FHIR reasonCode text, one a line),
-- and whether some were words only, for the team to code at triage.
ALTER TABLE referrals ADD COLUMN reasons_as_written TEXT;
ALTER TABLE referrals ADD COLUMN needs_coding INTEGER NOT NULL DEFAULT 0;

-- What another system said, kept as it said it: when the referral was
-- written (FHIR authoredOn; received_at is when it arrived), the system's
-- own identifier for it (system|value), and a GP practice ODS code no
-- practice here has (the referral was routed another way).
ALTER TABLE referrals ADD COLUMN authored_on TEXT;
ALTER TABLE referrals ADD COLUMN sender_identifier TEXT;
ALTER TABLE referrals ADD COLUMN gp_practice_code_given TEXT;

-- ORUK accessibility's own free-text statement, which was dropped.
ALTER TABLE dir_accessibility ADD COLUMN accessibility TEXT;
