-- Group-message intake (the drug-advice bot acting on a community's group chat).
--
-- intake_groups: each chat group the hospital connected, with the doctor's
-- Q&A slot. A message that names the doctor (@<doctorName>) outside the slot
-- gets the core's templated reply (replyOutsideQaSlot). Staff edit the slot
-- from the workbench; the core checks every slot before it is stored.
CREATE TABLE IF NOT EXISTS intake_groups (
  group_id          text PRIMARY KEY CHECK (group_id ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
  name              text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  doctor_name       text CHECK (char_length(doctor_name) BETWEEN 1 AND 32),
  qa_slots          jsonb NOT NULL DEFAULT '[]'::jsonb,
  emergency_contact text CHECK (char_length(emergency_contact) BETWEEN 1 AND 64),
  updated_at_ms     bigint NOT NULL CHECK (updated_at_ms >= 0),
  updated_by        text
);

-- One row per group message the adapter delivered, keyed by the chat
-- platform's message id: a message delivered twice is checked and acted on
-- once. The words of a message that passed are not kept (nothing to review);
-- a flagged message keeps them for the nurse's review until it is resolved.
CREATE TABLE IF NOT EXISTS group_messages (
  message_id     text PRIMARY KEY CHECK (message_id ~ '^[A-Za-z0-9_.:@=+/-]{1,128}$'),
  group_id       text NOT NULL,
  author_id      text NOT NULL,
  sent_at_ms     bigint NOT NULL CHECK (sent_at_ms >= 0),
  received_at_ms bigint NOT NULL CHECK (received_at_ms >= 0),
  kind           text NOT NULL CHECK (kind IN ('text', 'other')),
  text           text CHECK (char_length(text) <= 4000),
  verdict        text CHECK (verdict IN ('pass', 'review', 'block')),
  summary        text,
  matches        jsonb,
  review_status  text NOT NULL CHECK (review_status IN ('none', 'open', 'kept', 'removed')),
  reviewed_at_ms bigint,
  reviewed_by    text,
  CONSTRAINT group_messages_reviewed CHECK ((review_status IN ('kept', 'removed')) = (reviewed_at_ms IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS group_messages_open ON group_messages (received_at_ms, message_id) WHERE review_status = 'open';

-- What the bot says because of a message: the author's notice (sent to the
-- author alone) and the Q&A reply (in the group). At most one of each per
-- message; written with the message, delivered after COMMIT by the channel
-- adapter, and retried on the next delivery round while it has not gone out.
CREATE TABLE IF NOT EXISTS group_outbound (
  id            bigserial PRIMARY KEY,
  message_id    text NOT NULL REFERENCES group_messages (message_id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('authorNotice', 'qaReply')),
  group_id      text NOT NULL,
  to_member     text NOT NULL,
  text          text NOT NULL,
  created_at_ms bigint NOT NULL,
  sent_at_ms    bigint,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  UNIQUE (message_id, kind)
);
CREATE INDEX IF NOT EXISTS group_outbound_unsent ON group_outbound (id) WHERE sent_at_ms IS NULL;
