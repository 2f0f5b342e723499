-- The server's scheduled issuance, the patient's inbox and the notification
-- outbox (scripts/backend/loops/issuance.mjs, inbox.mjs, jobs/, notify/):
-- applied after schema.sql, idempotent like it.

-- One row per run of a scheduled job (what ran, when, what it changed), for
-- the operations screen (GET /staff/jobs). Instants are the server's clock.
CREATE TABLE IF NOT EXISTS job_runs (
  id             bigserial PRIMARY KEY,
  job            text NOT NULL CHECK (length(job) BETWEEN 1 AND 80),
  cause          text NOT NULL CHECK (cause IN ('schedule', 'event', 'manual')),
  started_at_ms  bigint NOT NULL CHECK (started_at_ms >= 0),
  finished_at_ms bigint CHECK (finished_at_ms >= started_at_ms),
  outcome        text NOT NULL CHECK (outcome IN ('done', 'skipped', 'failed')),
  summary        jsonb NOT NULL DEFAULT '{}'::jsonb,
  error          text CHECK (length(error) <= 500)
);
CREATE INDEX IF NOT EXISTS job_runs_recent ON job_runs (id DESC);

-- The patient's inbox (消息): each step of their referrals as the core words
-- it (myReferralTree's feed: masked names, consent-aware, G7), once per step.
-- `entry_key` is the step's identity (its kind, instant and words), so a run
-- that sees the same step again adds nothing.
CREATE TABLE IF NOT EXISTS inbox_entries (
  patient_id     text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  entry_key      text NOT NULL CHECK (length(entry_key) BETWEEN 1 AND 200),
  kind           text NOT NULL CHECK (kind IN ('accepted', 'arrived', 'converted', 'reward', 'lapsed', 'voided', 'issued', 'clawback')),
  text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
  at_ms          bigint NOT NULL CHECK (at_ms >= 0),
  created_at_ms  bigint NOT NULL CHECK (created_at_ms >= 0),
  PRIMARY KEY (patient_id, entry_key)
);
CREATE INDEX IF NOT EXISTS inbox_entries_newest ON inbox_entries (patient_id, created_at_ms DESC, at_ms DESC);

-- Notifications waiting for (or done with) delivery outside the app: one per
-- inbox entry and channel, written in the same transaction as the entry, sent
-- by the delivery job through the configured sender. A failed send stays
-- 'pending' with its error and the next attempt's instant; after
-- max attempts it becomes 'failed' (kept, shown to operations).
CREATE TABLE IF NOT EXISTS notification_outbox (
  id                 bigserial PRIMARY KEY,
  patient_id         text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  entry_key          text NOT NULL,
  channel            text NOT NULL CHECK (channel ~ '^[a-z][a-z0-9-]{0,31}$'),
  text               text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at_ms bigint NOT NULL CHECK (next_attempt_at_ms >= 0),
  last_error         text CHECK (length(last_error) <= 500),
  created_at_ms      bigint NOT NULL CHECK (created_at_ms >= 0),
  sent_at_ms         bigint CHECK (sent_at_ms >= 0),
  UNIQUE (patient_id, entry_key, channel),
  FOREIGN KEY (patient_id, entry_key) REFERENCES inbox_entries (patient_id, entry_key) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS notification_outbox_due ON notification_outbox (next_attempt_at_ms) WHERE status = 'pending';

-- Patients whose referral facts changed since the issuance last looked at
-- them (a claim, a hospital event, a complaint): the issuance job takes them
-- first, within seconds; its hourly sweep looks at everyone (vesting days,
-- the 15th, lapses come with the clock, not with a change).
CREATE TABLE IF NOT EXISTS issuance_due (
  patient_id text PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
  since_ms   bigint NOT NULL CHECK (since_ms >= 0)
);

-- A change to a referral marks both sides due and tells listening servers
-- at commit (NOTIFY is delivered on commit only), so the issuance runs at
-- once instead of at the next minute.
CREATE OR REPLACE FUNCTION referrals_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO issuance_due (patient_id, since_ms)
    VALUES (NEW.referrer_id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint),
           (NEW.referee_id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
    ON CONFLICT DO NOTHING;
  PERFORM pg_notify('carecircle_referrals_changed', '');
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS referrals_changed_notify ON referrals;
CREATE TRIGGER referrals_changed_notify AFTER INSERT OR UPDATE ON referrals
  FOR EACH ROW EXECUTE FUNCTION referrals_changed_notify();
