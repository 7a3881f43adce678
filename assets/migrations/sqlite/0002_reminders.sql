-- Reminders as an outbox (SQLite). The copy sent to the tutor belongs to no enrolment, so
-- enrolment_id becomes nullable; SQLite cannot drop NOT NULL in place, hence the rebuild.
-- New: course_id (the copy's course; filled from the enrolment for older rows), and the
-- claim (claimed_at, claimed_by) written before a message is handed to the server.

CREATE TABLE reminders_new (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL UNIQUE,
    batch_id     TEXT,
    enrolment_id BIGINT REFERENCES enrolments(id) ON DELETE CASCADE,  -- NULL: copy to the tutor
    course_id    BIGINT REFERENCES courses(id) ON DELETE CASCADE,
    sender_id    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    channel      TEXT NOT NULL DEFAULT 'email',
    kind         TEXT NOT NULL DEFAULT 'reminder',
    template     TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued','sending','sent','failed','uncertain','cancelled')),
    tries        BIGINT NOT NULL DEFAULT 0,
    error        TEXT,
    forced       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    next_try_at  BIGINT,              -- failed and due for another try then; NULL: final
    sent_at      BIGINT,
    claimed_at   BIGINT,              -- when a process took it to send (status sending)
    claimed_by   TEXT                 -- host:pid:nonce of that process
);

INSERT INTO reminders_new (id, message_id, batch_id, enrolment_id, course_id, sender_id, channel,
    kind, template, recipient, subject, body, status, tries, error, forced, created_at,
    updated_at, next_try_at, sent_at)
SELECT r.id, r.message_id, r.batch_id, r.enrolment_id,
       (SELECT e.course_id FROM enrolments e WHERE e.id = r.enrolment_id), r.sender_id, r.channel,
       r.kind, r.template, r.recipient, r.subject, r.body, r.status, r.tries, r.error, r.forced,
       r.created_at, r.updated_at, r.next_try_at, r.sent_at
FROM reminders r;

DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;

CREATE INDEX reminders_enrolment ON reminders(enrolment_id, created_at);
CREATE INDEX reminders_status ON reminders(status, next_try_at);
CREATE INDEX reminders_sender ON reminders(sender_id, status);
CREATE INDEX reminders_created ON reminders(created_at);
CREATE INDEX reminders_course ON reminders(course_id);
CREATE INDEX reminders_batch ON reminders(batch_id);

-- Attachments are stored once per sending (batch), so a resend after a crash has them.
CREATE TABLE reminder_attachments (
    id           INTEGER PRIMARY KEY,
    batch_id     TEXT NOT NULL,
    position     BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB NOT NULL
);
CREATE INDEX reminder_attachments_batch ON reminder_attachments(batch_id, position);
