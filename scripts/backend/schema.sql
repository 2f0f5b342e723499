-- CareCircle reference backend: PostgreSQL 15 schema.
--
-- The schema itself enforces what must never break, whatever the code above
-- it does and however many requests arrive at once:
--   * idempotency      one row per Idempotency-Key (primary key); the mutation
--                      and its stored response commit in ONE transaction, so a
--                      replay returns exactly what the first delivery got;
--   * one referrer     referrals.referee_id is UNIQUE; no self-referral (CHECK),
--     per referee      no cycle (trigger, serialised by an advisory lock);
--   * single-use       (patient_id, grant_key) is the primary key of
--     vouchers         issued_rewards (a grant is issued once) and of
--                      voucher_redemptions (a voucher is redeemed once); status
--                      only moves issued → used | void (trigger);
--   * atomic quotas    quota_counters.used is CHECKed to stay within 0..size and
--                      is only ever changed by
--                        UPDATE … SET used = used + 1 WHERE … AND used < size RETURNING used
--                      so 200 simultaneous claims of 10 places grant exactly 10;
--   * budgets          campaign_counters CHECKs spent_fen <= budget_fen;
--   * one decision     a story leaves 'pending' once (UPDATE … WHERE status =
--     per story        'pending'; its status only moves forward: trigger).
--
-- Rules (does a day count, is a grant issuable, has the quota been released)
-- are NOT here: the server re-runs the C++ core (build/wasm/core.mjs) on the
-- facts below. Instants are epoch milliseconds (bigint); civil dates are
-- 'YYYY-MM-DD' text in the programme's zone, as the core reads them.
--
-- Idempotent: every statement can run again on an existing database.

CREATE TABLE IF NOT EXISTS schema_meta (
  name  text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE IF NOT EXISTS communities (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  action_title  text NOT NULL,
  action_steps  jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- The programme's streak configuration, passed to the core untouched; NULL:
  -- the core's own defaults apply (no default is re-declared here).
  streak_config jsonb
);

CREATE TABLE IF NOT EXISTS patients (
  id                     text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
  -- Full name: an input of the core only (it masks it). Synthetic in the demo.
  name                   text NOT NULL DEFAULT '',
  display_name           text NOT NULL,  -- already masked for display (王*)
  demo                   boolean NOT NULL DEFAULT false,
  is_staff               boolean NOT NULL DEFAULT false,
  is_community_member    boolean NOT NULL DEFAULT false,
  is_new_patient         boolean NOT NULL DEFAULT true,
  first_visit_at_ms      bigint CHECK (first_visit_at_ms >= 0),
  community_id           text REFERENCES communities (id),
  start_date             text CHECK (start_date ~ '^\d{4}-\d{2}-\d{2}$'),
  referral_code          text NOT NULL UNIQUE CHECK (referral_code ~ '^[0-9A-HJKMNP-TV-Z]{13}$'),
  created_at             timestamptz NOT NULL DEFAULT now()
);

-- What a late check-in may prove (scripts/backend/service.mjs, docs/trust.md):
-- when the patient last reached the server, and their last contact before
-- the current stretch of activity.
ALTER TABLE patients ADD COLUMN IF NOT EXISTS last_seen_at_ms bigint CHECK (last_seen_at_ms >= 0);
ALTER TABLE patients ADD COLUMN IF NOT EXISTS contact_before_ms bigint CHECK (contact_before_ms >= 0);

-- Idempotency: one row per (subject, key) — a key is the caller's own, so
-- another patient choosing the same text neither blocks nor reads it.
-- Claimed (INSERT … ON CONFLICT DO NOTHING) at the start of the mutation's
-- transaction, completed with the response in the same transaction: a
-- concurrent duplicate waits on the key, then replays. Rows older than the
-- retention of scripts/backend/jobs/purge-idempotency-keys.mjs are deleted.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  subject_id     text NOT NULL,
  key            text NOT NULL CHECK (key ~ '^[A-Za-z0-9_.:-]{16,128}$'),
  operation      text NOT NULL,
  request_sha256 text NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  status         integer CHECK (status BETWEEN 200 AND 499),
  response       jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject_id, key),
  CHECK ((status IS NULL) = (response IS NULL))
);
-- A table made by an earlier version of this file had the key alone as its
-- primary key: it becomes (subject_id, key).
DO $$
BEGIN
  IF (SELECT array_agg(a.attname::text ORDER BY k.ord)
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.conrelid = 'idempotency_keys'::regclass AND c.contype = 'p') <> ARRAY['subject_id', 'key'] THEN
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
    ALTER TABLE idempotency_keys ADD PRIMARY KEY (subject_id, key);
  END IF;
END $$;
DROP INDEX IF EXISTS idempotency_keys_subject;
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE IF NOT EXISTS check_ins (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  patient_id text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  at_ms      bigint NOT NULL CHECK (at_ms >= 0),
  seq        bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
  kind       text NOT NULL CHECK (kind IN ('normal', 'makeUp')),
  for_date   text CHECK (for_date ~ '^\d{4}-\d{2}-\d{2}$'),
  stored_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'makeUp') = (for_date IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS check_ins_patient ON check_ins (patient_id, seq, id);

CREATE TABLE IF NOT EXISTS rest_days (
  patient_id text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  day        text NOT NULL CHECK (day ~ '^\d{4}-\d{2}-\d{2}$'),
  PRIMARY KEY (patient_id, day)
);

-- Streak milestones issued, by the core's key "<ruleId>@<fromDate>": once each.
CREATE TABLE IF NOT EXISTS granted_milestones (
  patient_id       text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  key              text NOT NULL,
  rule_id          text NOT NULL,
  from_date        text NOT NULL CHECK (from_date ~ '^\d{4}-\d{2}-\d{2}$'),
  to_date          text NOT NULL CHECK (to_date ~ '^\d{4}-\d{2}-\d{2}$'),
  reward_title     text NOT NULL,
  reward_value_fen bigint NOT NULL CHECK (reward_value_fen >= 0),
  issued_at_ms     bigint NOT NULL,
  PRIMARY KEY (patient_id, key),
  UNIQUE (patient_id, rule_id, from_date)
);

-- Campaign configuration (docs/schema/campaign.schema.json), validated by the
-- core's validateCampaigns before it is stored; passed to the core untouched.
CREATE TABLE IF NOT EXISTS campaigns (
  id       text PRIMARY KEY,
  position integer NOT NULL UNIQUE,
  config   jsonb NOT NULL CHECK (config ->> 'id' = id)
);

-- Direct (level-1) referrals. Deeper levels are derived, never stored, and
-- never rewarded (G5). Only server-confirmed hospital events (G2): 0 = not yet.
CREATE TABLE IF NOT EXISTS referrals (
  id                           text PRIMARY KEY,
  referrer_id                  text NOT NULL REFERENCES patients (id),
  referee_id                   text NOT NULL REFERENCES patients (id),
  channel                      text NOT NULL CHECK (channel ~ '^[A-Za-z]{1,32}$'),
  referee_is_new_patient       boolean NOT NULL,
  referee_is_inpatient         boolean NOT NULL DEFAULT false,
  referrer_is_member           boolean NOT NULL,
  consent_to_share_progress    boolean NOT NULL DEFAULT false,  -- G7, the referee's choice
  invited_at_ms                bigint NOT NULL CHECK (invited_at_ms >= 0),
  registration_confirmed_at_ms bigint NOT NULL DEFAULT 0 CHECK (registration_confirmed_at_ms >= 0),
  arrival_confirmed_at_ms      bigint NOT NULL DEFAULT 0 CHECK (arrival_confirmed_at_ms >= 0),
  conversion_confirmed_at_ms   bigint NOT NULL DEFAULT 0 CHECK (conversion_confirmed_at_ms >= 0),
  admission_confirmed_at_ms    bigint NOT NULL DEFAULT 0 CHECK (admission_confirmed_at_ms >= 0),
  discharge_confirmed_at_ms    bigint NOT NULL DEFAULT 0 CHECK (discharge_confirmed_at_ms >= 0),
  complaint_at_ms              bigint NOT NULL DEFAULT 0 CHECK (complaint_at_ms >= 0),
  CONSTRAINT referrals_one_referrer_per_referee UNIQUE (referee_id),
  CONSTRAINT referrals_no_self_referral CHECK (referrer_id <> referee_id)
);
CREATE INDEX IF NOT EXISTS referrals_referrer ON referrals (referrer_id);

-- Who recorded each hospital event of a referral, and when (the referral row
-- holds the event's instant; this is its record of origin, one per event).
CREATE TABLE IF NOT EXISTS hospital_events (
  referral_id    text NOT NULL REFERENCES referrals (id),
  event          text NOT NULL CHECK (event ~ '^[A-Za-z]{1,32}$'),
  at_ms          bigint NOT NULL CHECK (at_ms >= 0),
  recorded_by    text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 128),  -- the staff member's subject id
  recorded_at_ms bigint NOT NULL CHECK (recorded_at_ms >= 0),
  PRIMARY KEY (referral_id, event)
);

-- No cycle: the new referee must not be an ancestor of the referrer. Referral
-- inserts are serialised by a transaction-scoped advisory lock, so two
-- concurrent inserts (A refers B, B refers A) cannot both pass the check.
CREATE OR REPLACE FUNCTION referrals_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.referrer_id = NEW.referee_id THEN
    RETURN NEW;  -- referrals_no_self_referral (CHECK) refuses it by name
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('carecircle.referrals'));
  IF EXISTS (
    WITH RECURSIVE up (id, depth) AS (
      SELECT NEW.referrer_id, 0
      UNION ALL
      SELECT r.referrer_id, up.depth + 1 FROM referrals r JOIN up ON r.referee_id = up.id WHERE up.depth < 100000
    )
    SELECT 1 FROM up WHERE id = NEW.referee_id
  ) THEN
    RAISE EXCEPTION 'referral cycle: % is above % already', NEW.referee_id, NEW.referrer_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'referrals_no_cycle';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS referrals_no_cycle ON referrals;
CREATE TRIGGER referrals_no_cycle BEFORE INSERT OR UPDATE OF referrer_id, referee_id ON referrals
  FOR EACH ROW EXECUTE FUNCTION referrals_no_cycle();

-- Consents (G9): the patient's latest answer per purpose, each separately
-- given and withdrawable; no row = never answered (not given). Refusing never
-- blocks care: nothing in this schema or in the server depends on a consent,
-- except what the consent itself is about: `shareProgressWithReferrer` is
-- mirrored into referrals.consent_to_share_progress (G7) in the same
-- transaction. `referralPrompts` = false is the one-tap opt-out of G17.
CREATE TABLE IF NOT EXISTS consents (
  patient_id    text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  purpose       text NOT NULL CHECK (purpose IN ('community', 'rehabData', 'stories', 'shareProgressWithReferrer', 'referralPrompts')),
  granted       boolean NOT NULL,
  updated_at_ms bigint NOT NULL CHECK (updated_at_ms >= 0),
  PRIMARY KEY (patient_id, purpose)
);

-- Rewards issued, by the core's grant key: a grant is issued once per patient
-- (keys of tier, milestone and quota grants name no patient; keys of referral
-- grants name the referral and the side).
CREATE TABLE IF NOT EXISTS issued_rewards (
  patient_id   text NOT NULL REFERENCES patients (id),
  grant_key    text NOT NULL CHECK (length(grant_key) BETWEEN 1 AND 300),
  referral_id  text REFERENCES referrals (id),
  campaign_id  text NOT NULL,
  title        text NOT NULL,
  value_fen    bigint NOT NULL DEFAULT 0 CHECK (value_fen >= 0),
  quantity     integer NOT NULL DEFAULT 1 CHECK (quantity >= 1),
  status       text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used', 'void')),
  issued_at_ms bigint NOT NULL CHECK (issued_at_ms >= 0),
  used_at_ms   bigint CHECK (used_at_ms >= 0),
  PRIMARY KEY (patient_id, grant_key),
  CHECK ((status = 'used') = (used_at_ms IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS issued_rewards_referral ON issued_rewards (referral_id);

-- Status only moves forward: issued → used, issued → void. A used or void
-- voucher never becomes usable again.
CREATE OR REPLACE FUNCTION issued_rewards_status_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> OLD.status AND NOT (OLD.status = 'issued' AND NEW.status IN ('used', 'void')) THEN
    RAISE EXCEPTION 'issued reward %: status % cannot become %', OLD.grant_key, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'issued_rewards_status_forward';
  END IF;
  IF NEW.grant_key <> OLD.grant_key OR NEW.patient_id <> OLD.patient_id THEN
    RAISE EXCEPTION 'issued reward %: key and owner are immutable', OLD.grant_key
      USING ERRCODE = 'check_violation', CONSTRAINT = 'issued_rewards_status_forward';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS issued_rewards_status_forward ON issued_rewards;
CREATE TRIGGER issued_rewards_status_forward BEFORE UPDATE ON issued_rewards
  FOR EACH ROW EXECUTE FUNCTION issued_rewards_status_forward();

-- Single use: one redemption per voucher, ever.
CREATE TABLE IF NOT EXISTS voucher_redemptions (
  patient_id     text NOT NULL,
  grant_key      text NOT NULL,
  redeemed_at_ms bigint NOT NULL CHECK (redeemed_at_ms >= 0),
  redeemed_by    text NOT NULL REFERENCES patients (id),
  PRIMARY KEY (patient_id, grant_key),
  FOREIGN KEY (patient_id, grant_key) REFERENCES issued_rewards (patient_id, grant_key)
);

-- Campaign-wide counters the core reads for budgets (G13: real counters).
CREATE TABLE IF NOT EXISTS campaign_counters (
  campaign_id text PRIMARY KEY,
  grants      integer NOT NULL DEFAULT 0 CHECK (grants >= 0),
  spent_fen   bigint NOT NULL DEFAULT 0 CHECK (spent_fen >= 0),
  budget_fen  bigint CHECK (budget_fen > 0),
  CONSTRAINT campaign_counters_within_budget CHECK (budget_fen IS NULL OR spent_fen <= budget_fen)
);

-- Monthly quotas (稀缺名额): one row per campaign, pool and month.
CREATE TABLE IF NOT EXISTS quota_counters (
  campaign_id text NOT NULL,
  pool_id     text NOT NULL,
  month       text NOT NULL CHECK (month ~ '^\d{4}-\d{2}$'),
  size        integer NOT NULL CHECK (size >= 0),
  used        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, pool_id, month),
  CONSTRAINT quota_counters_within_size CHECK (used >= 0 AND used <= size)
);

-- Figures of the hospital's patient groups for the community report (staff).
CREATE TABLE IF NOT EXISTS community_groups (
  month               text NOT NULL CHECK (month ~ '^\d{4}-\d{2}$'),
  id                  text NOT NULL,
  name                text NOT NULL,
  member_count        integer NOT NULL CHECK (member_count >= 0),
  daily_messages      jsonb NOT NULL DEFAULT '[]'::jsonb,
  revisit             jsonb,
  quarter_new_members jsonb,
  PRIMARY KEY (month, id)
);

-- Patient stories (病友故事) submitted for the hospital's review before
-- anything is published (G9, G11). A story is stored only with the patient's
-- separate 'stories' consent and only after the core's wording check
-- (layoutPoster, the same answer the shell got) passed. Staff decide once:
--   pending → approved   (通过: the core's wording check passes again first)
--   pending → rejected   (退回, with one reason code; the patient sees it)
-- by  UPDATE … WHERE status = 'pending',  so a decision racing another
-- decision or a withdrawal has exactly one winner. Withdrawing the consent
-- withdraws every story still pending or approved (an approved one is
-- unpublished) and deletes the words of every story, rejected ones included,
-- in the same transaction as the consent (the row stays, textless, so a
-- replayed submission finds its answer and staff see no trace of the words).
CREATE TABLE IF NOT EXISTS stories (
  id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
  patient_id      text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  title           text CHECK (octet_length(title) <= 4096),
  story           text CHECK (octet_length(story) <= 262144),  -- layoutPoster's own limit: 256 KiB
  status          text NOT NULL DEFAULT 'pending',
  submitted_at_ms bigint NOT NULL CHECK (submitted_at_ms >= 0),
  withdrawn_at_ms bigint CHECK (withdrawn_at_ms >= 0),
  decided_at_ms   bigint CHECK (decided_at_ms >= 0),
  decided_by      text REFERENCES patients (id),
  reject_reason   text
);
-- A stories table made by an earlier version of this file (a kept
-- --data-dir) gets the review columns; a new one has them already.
ALTER TABLE stories ADD COLUMN IF NOT EXISTS decided_at_ms bigint CHECK (decided_at_ms >= 0);
ALTER TABLE stories ADD COLUMN IF NOT EXISTS decided_by text REFERENCES patients (id);
ALTER TABLE stories ADD COLUMN IF NOT EXISTS reject_reason text;
-- The constraints that tie status, instants, reason and words together,
-- remade in one statement on every start so that an older table gets the
-- current ones (stories_status_check and stories_withdrawn_have_no_text
-- were the earlier pending/withdrawn-only versions). The reason codes are
-- the list of scripts/backend/service.mjs (STORY_REJECT_REASONS).
ALTER TABLE stories
  DROP CONSTRAINT IF EXISTS stories_status_check,
  DROP CONSTRAINT IF EXISTS stories_withdrawn_have_no_text,
  DROP CONSTRAINT IF EXISTS stories_status_known,
  DROP CONSTRAINT IF EXISTS stories_reason_known,
  DROP CONSTRAINT IF EXISTS stories_withdrawn_when,
  DROP CONSTRAINT IF EXISTS stories_decided_when,
  DROP CONSTRAINT IF EXISTS stories_reason_iff_rejected,
  DROP CONSTRAINT IF EXISTS stories_words,
  ADD CONSTRAINT stories_status_known CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
  ADD CONSTRAINT stories_reason_known CHECK (reject_reason IN ('medical_claim', 'personal_data', 'off_topic', 'other')),
  -- withdrawn_at_ms exactly on a withdrawn story.
  ADD CONSTRAINT stories_withdrawn_when CHECK ((status = 'withdrawn') = (withdrawn_at_ms IS NOT NULL)),
  -- A decision (instant and staff member) on every approved or rejected
  -- story, none on a pending one; a withdrawn one keeps an earlier approval's.
  ADD CONSTRAINT stories_decided_when CHECK (
    (decided_at_ms IS NULL) = (decided_by IS NULL)
    AND (status <> 'pending' OR decided_at_ms IS NULL)
    AND (status NOT IN ('approved', 'rejected') OR decided_at_ms IS NOT NULL)
  ),
  -- A rejected story has its reason; an approved, pending or withdrawn one none.
  ADD CONSTRAINT stories_reason_iff_rejected CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
  -- Words: both or neither; kept while pending or approved, never on a
  -- withdrawn story; a rejected story keeps them until the consent goes.
  ADD CONSTRAINT stories_words CHECK (
    (title IS NULL) = (story IS NULL)
    AND (status NOT IN ('pending', 'approved') OR title IS NOT NULL)
    AND (status <> 'withdrawn' OR title IS NULL)
  );
CREATE INDEX IF NOT EXISTS stories_pending ON stories (submitted_at_ms, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS stories_patient ON stories (patient_id, status);
-- 病友故事 (GET /community/stories): approved stories, newest approval first,
-- paged by (decided_at_ms, id).
CREATE INDEX IF NOT EXISTS stories_approved ON stories (decided_at_ms DESC, id DESC) WHERE status = 'approved';

-- Status only moves forward: pending → approved | rejected | withdrawn,
-- approved → withdrawn. A rejected or withdrawn story never comes back (a
-- patient submits a new one), and an approval is never turned into a
-- rejection behind the patient's back.
CREATE OR REPLACE FUNCTION stories_status_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> OLD.status AND NOT (
    (OLD.status = 'pending' AND NEW.status IN ('approved', 'rejected', 'withdrawn'))
    OR (OLD.status = 'approved' AND NEW.status = 'withdrawn')
  ) THEN
    RAISE EXCEPTION 'story %: status % cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'stories_status_forward';
  END IF;
  IF NEW.id <> OLD.id OR NEW.patient_id <> OLD.patient_id THEN
    RAISE EXCEPTION 'story %: id and author are immutable', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'stories_status_forward';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS stories_status_forward ON stories;
CREATE TRIGGER stories_status_forward BEFORE UPDATE ON stories
  FOR EACH ROW EXECUTE FUNCTION stories_status_forward();

-- "Invite a friend" prompts shown (G17), one row per prompt. The server adds
-- a row only after the core's mayShowInvitePrompt allowed it on this very
-- history, with the patient's row locked: two devices asking at once cannot
-- both take the third place. The cap itself is the core's (3 per 90 days),
-- never re-declared here.
CREATE TABLE IF NOT EXISTS invite_prompts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id  text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  shown_at_ms bigint NOT NULL CHECK (shown_at_ms >= 0),
  moment      text NOT NULL CHECK (moment ~ '^[A-Za-z]{1,32}$')
);
CREATE INDEX IF NOT EXISTS invite_prompts_patient ON invite_prompts (patient_id, shown_at_ms);

-- Clinical moments of a patient (G17, docs/compliance.md): recorded by staff
-- or the hospital's information system. While one is on (the core's window
-- per kind), mayShowInvitePrompt refuses every invite prompt. Admissions and
-- discharges confirmed on a referral (referrals.*_confirmed_at_ms) count too.
CREATE TABLE IF NOT EXISTS clinical_moments (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id     text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  kind           text NOT NULL CHECK (kind IN ('admission', 'surgery', 'discharge', 'badNews', 'death', 'sensitiveCase')),
  at_ms          bigint NOT NULL CHECK (at_ms >= 946684800000),
  recorded_by    text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 128),
  recorded_at_ms bigint NOT NULL CHECK (recorded_at_ms >= 0)
);
CREATE INDEX IF NOT EXISTS clinical_moments_patient ON clinical_moments (patient_id, at_ms);

-- Contacts staff made outside the app (a call, a message) about referral or
-- recovery: each counts toward the cap of 3 referral contacts in 90 days (G17),
-- like a prompt shown in the app.
CREATE TABLE IF NOT EXISTS staff_touches (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id     text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  channel        text NOT NULL CHECK (channel IN ('call', 'message')),
  at_ms          bigint NOT NULL CHECK (at_ms >= 0),
  recorded_by    text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 128),
  recorded_at_ms bigint NOT NULL CHECK (recorded_at_ms >= 0)
);
CREATE INDEX IF NOT EXISTS staff_touches_patient ON staff_touches (patient_id, at_ms);

-- A group of the health report may name the community its members belong to:
-- members who withdrew the 'community' consent (G9) are then no longer counted
-- in its member figure from the month of the withdrawal on.
ALTER TABLE community_groups ADD COLUMN IF NOT EXISTS community_id text REFERENCES communities (id);
