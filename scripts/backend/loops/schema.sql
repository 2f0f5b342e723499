-- The patient loops' tables (scripts/backend/loops/): applied after
-- schema.sql, idempotent like it.

-- Counter codes (到店核销码): a short code, shown as a QR and read aloud,
-- for ONE issued voucher of one patient. Issued by the server (CSPRNG), valid
-- for a minute and a little more; the patient's screen asks for a fresh one
-- before it expires, so a screenshot from yesterday is refused. Redeeming
-- through a code goes through the same once-only redemption as any other.
CREATE TABLE IF NOT EXISTS counter_codes (
  code          text PRIMARY KEY CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
  patient_id    text NOT NULL,
  grant_key     text NOT NULL,
  issued_at_ms  bigint NOT NULL CHECK (issued_at_ms >= 0),
  expires_at_ms bigint NOT NULL CHECK (expires_at_ms > issued_at_ms),
  FOREIGN KEY (patient_id, grant_key) REFERENCES issued_rewards (patient_id, grant_key)
);
CREATE INDEX IF NOT EXISTS counter_codes_grant ON counter_codes (patient_id, grant_key, expires_at_ms);
