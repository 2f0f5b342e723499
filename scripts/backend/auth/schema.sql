-- Sign-in, sessions and the staff audit log (scripts/backend/auth/).
-- Applied after scripts/backend/schema.sql (it references patients); idempotent.
--
--   * auth_identities  one row per (provider, subject) the hospital's identity
--                      provider or WeChat vouches for, linked to ONE record in
--                      patients (staff have one too, is_staff) and the role the
--                      last sign-in carried. Changing the role revokes every
--                      session of that record (trigger): a nurse who becomes an
--                      auditor signs in again and gets the auditor's routes only.
--   * auth_sessions    one row per sign-in (a refresh-token family): role, demo
--                      flag, expiry of the family, revocation.
--   * auth_tokens      opaque bearer tokens, SHA-256 only: short-lived access
--                      tokens and single-use refresh tokens. A refresh token
--                      used twice revokes its whole family (the server does
--                      that; used_at_ms records the first use).
--   * staff_audit_log  every staff request: who, role, operation, target,
--                      when, from where, outcome. Append-only: a trigger
--                      refuses UPDATE, DELETE and TRUNCATE whoever asks, and
--                      the role the server connects as (which creates the
--                      table, so owns it) keeps only INSERT and SELECT on it.
-- Instants are epoch milliseconds of the server's clock.

CREATE TABLE IF NOT EXISTS auth_identities (
  provider     text NOT NULL CHECK (length(provider) BETWEEN 1 AND 300),
  subject      text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
  unionid      text,
  subject_id   text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('patient', 'nurse', 'service', 'doctor', 'operations', 'auditor')),
  linked_at_ms bigint NOT NULL CHECK (linked_at_ms >= 0),
  PRIMARY KEY (provider, subject)
);
CREATE INDEX IF NOT EXISTS auth_identities_subject ON auth_identities (subject_id);

CREATE TABLE IF NOT EXISTS auth_sessions (
  id                 text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{16,64}$'),
  subject_id         text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  role               text NOT NULL CHECK (role IN ('patient', 'nurse', 'service', 'doctor', 'operations', 'auditor')),
  provider           text NOT NULL,
  demo               boolean NOT NULL,
  created_at_ms      bigint NOT NULL CHECK (created_at_ms >= 0),
  expires_at_ms      bigint NOT NULL CHECK (expires_at_ms > created_at_ms),
  revoked_at_ms      bigint CHECK (revoked_at_ms >= 0),
  revoked_reason     text CHECK (revoked_reason IN ('logout', 'refresh_reused', 'revoked_by_staff', 'role_changed')),
  CHECK ((revoked_at_ms IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX IF NOT EXISTS auth_sessions_subject ON auth_sessions (subject_id) WHERE revoked_at_ms IS NULL;

CREATE TABLE IF NOT EXISTS auth_tokens (
  token_sha256  text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  session_id    text NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('access', 'refresh')),
  expires_at_ms bigint NOT NULL CHECK (expires_at_ms >= 0),
  used_at_ms    bigint CHECK (used_at_ms >= 0),
  CHECK (kind = 'refresh' OR used_at_ms IS NULL)
);
CREATE INDEX IF NOT EXISTS auth_tokens_session ON auth_tokens (session_id);

-- A role change revokes the record's live sessions in the same transaction.
CREATE OR REPLACE FUNCTION auth_identities_role_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role <> OLD.role THEN
    UPDATE auth_sessions
       SET revoked_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint, revoked_reason = 'role_changed'
     WHERE subject_id = NEW.subject_id AND revoked_at_ms IS NULL;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS auth_identities_role_change ON auth_identities;
CREATE TRIGGER auth_identities_role_change AFTER UPDATE OF role ON auth_identities
  FOR EACH ROW EXECUTE FUNCTION auth_identities_role_change();

CREATE TABLE IF NOT EXISTS staff_audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at_ms bigint NOT NULL CHECK (received_at_ms >= 0),
  actor_id       text NOT NULL,            -- the staff record (patients.id); kept even if that record goes
  role           text NOT NULL,
  session_id     text,
  demo           boolean NOT NULL,
  method         text NOT NULL CHECK (method ~ '^[A-Z]{3,7}$'),
  route          text NOT NULL,            -- the API route, e.g. /staff/stories/decide
  operation      text NOT NULL,            -- what it does, e.g. decideStory
  target         text,                     -- the story, voucher, referral or patient acted on
  address        text NOT NULL,            -- the peer address the request came from
  status         integer NOT NULL CHECK (status BETWEEN 100 AND 599),
  outcome        text NOT NULL CHECK (outcome IN ('ok', 'denied', 'rejected', 'failed')),
  error_code     text
);
CREATE INDEX IF NOT EXISTS staff_audit_log_received ON staff_audit_log (received_at_ms DESC, id DESC);

CREATE OR REPLACE FUNCTION staff_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'staff_audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'staff_audit_log_append_only';
END $$;
-- Created once: creating a trigger needs the TRIGGER privilege, which the
-- server's role gives up below.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'staff_audit_log'::regclass AND tgname = 'staff_audit_log_append_only') THEN
    CREATE TRIGGER staff_audit_log_append_only BEFORE UPDATE OR DELETE ON staff_audit_log
      FOR EACH ROW EXECUTE FUNCTION staff_audit_log_append_only();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'staff_audit_log'::regclass AND tgname = 'staff_audit_log_no_truncate') THEN
    CREATE TRIGGER staff_audit_log_no_truncate BEFORE TRUNCATE ON staff_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION staff_audit_log_append_only();
  END IF;
END $$;

-- On the audit log the server's own role keeps only what appending and
-- reading need (an owner may give up its own privileges; ownership itself —
-- DROP, ALTER — stays: a deployment that wants that out of the server's
-- reach too creates this table as another role and grants INSERT, SELECT).
REVOKE ALL ON staff_audit_log FROM PUBLIC;
REVOKE ALL ON staff_audit_log FROM CURRENT_USER;
GRANT SELECT, INSERT ON staff_audit_log TO CURRENT_USER;
