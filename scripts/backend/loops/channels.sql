-- Referral channels (scripts/backend/loops/channels.mjs): the tokens the
-- server issued for e-referral letters and discharge thank-you cards, and the
-- KOC result that chooses a patient's letter. Applied after schema.sql,
-- idempotent like it.

-- A token stands for one letter of one patient (per template) or one
-- discharge card. Random from the server's CSPRNG, checked and shaped by the
-- core (makeChannelToken). Nothing personal is in it; it names no patient.
CREATE TABLE IF NOT EXISTS channel_tokens (
  token               text PRIMARY KEY CHECK (token ~ '^[HBPD][0-9A-HJKMNP-TV-Z]{16}$'),
  channel             text NOT NULL CHECK (channel IN ('letterHonour', 'letterBenefit', 'letter', 'dischargeCard')),
  patient_id          text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  issued_at_ms        bigint NOT NULL CHECK (issued_at_ms >= 0),
  -- Cards: the staff member who handed it over and the discharge it is for.
  issued_by           text CHECK (issued_by IS NULL OR length(issued_by) BETWEEN 1 AND 128),
  discharged_at_ms    bigint CHECK (discharged_at_ms >= 0),
  discharge_day       text CHECK (discharge_day ~ '^\d{4}-\d{2}-\d{2}$'),
  -- A card is spent by the first friend who joins with it (凭卡号可领取).
  used_by_referral_id text UNIQUE REFERENCES referrals (id) ON DELETE SET NULL,
  used_at_ms          bigint CHECK (used_at_ms >= 0),
  CONSTRAINT channel_tokens_card_fields CHECK (
    (channel = 'dischargeCard') = (issued_by IS NOT NULL AND discharged_at_ms IS NOT NULL AND discharge_day IS NOT NULL)),
  CONSTRAINT channel_tokens_letters_not_spent CHECK (channel = 'dischargeCard' OR used_by_referral_id IS NULL)
);
-- One letter token per patient and template; one card per discharge.
CREATE UNIQUE INDEX IF NOT EXISTS channel_tokens_one_letter ON channel_tokens (patient_id, channel) WHERE channel <> 'dischargeCard';
CREATE UNIQUE INDEX IF NOT EXISTS channel_tokens_one_card_per_discharge ON channel_tokens (patient_id, discharge_day) WHERE channel = 'dischargeCard';

-- The referral's token, when it came with one (a letter or a card).
ALTER TABLE referrals ADD COLUMN IF NOT EXISTS channel_token text REFERENCES channel_tokens (token);

-- The KOC willingness assessment, attached to the patient (the core's
-- assessKoc result as staff saved it; the latest one counts). Its letter
-- template (honour / benefit / privilege, null when the patient does not
-- qualify) is the letter the patient's 海报 offers.
CREATE TABLE IF NOT EXISTS koc_results (
  patient_id       text PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
  score            integer NOT NULL,
  qualifies        boolean NOT NULL,
  letter_template  text CHECK (letter_template IN ('honour', 'benefit', 'privilege')),
  assessed_by      text NOT NULL CHECK (length(assessed_by) BETWEEN 1 AND 128),
  assessed_at_ms   bigint NOT NULL CHECK (assessed_at_ms >= 0)
);
