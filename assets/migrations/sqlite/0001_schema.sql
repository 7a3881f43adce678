-- tutorat schema (SQLite). Timestamps are UTC epoch seconds (BIGINT), the same on PostgreSQL.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE categories (
    id        INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES categories(id) ON DELETE SET NULL,
    name      TEXT NOT NULL,
    position  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX categories_parent ON categories(parent_id);

CREATE TABLE courses (
    id            INTEGER PRIMARY KEY,
    category_id   BIGINT REFERENCES categories(id) ON DELETE SET NULL,
    shortname     TEXT NOT NULL UNIQUE,
    fullname      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    audience      TEXT,               -- NULL: open to everyone
    competencies  TEXT NOT NULL DEFAULT '',
    catalogue_url TEXT,
    start_at      BIGINT,
    end_at        BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX courses_category ON courses(category_id);
CREATE INDEX courses_fullname ON courses(fullname);

CREATE TABLE lessons (
    id            INTEGER PRIMARY KEY,
    course_id     BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('elearning','sheet','quiz','webinar','mission','observation')),
    title         TEXT NOT NULL,
    points        BIGINT NOT NULL DEFAULT 0,
    passing_score DOUBLE PRECISION,   -- NULL: not applicable
    scorm_version TEXT CHECK (scorm_version IN ('1.2','2004')),
    completion    TEXT NOT NULL DEFAULT 'view' CHECK (completion IN ('none','view','submit','grade','pass'))
);
CREATE INDEX lessons_course ON lessons(course_id, position);

CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL UNIQUE,
    firstname    TEXT NOT NULL DEFAULT '',
    lastname     TEXT NOT NULL DEFAULT '',
    email        TEXT,
    phone        TEXT,
    organisation TEXT,
    matricule    TEXT,
    first_access BIGINT,              -- platform; NULL: never logged in
    last_access  BIGINT,
    suspended    BOOLEAN NOT NULL DEFAULT FALSE,
    is_admin     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX people_names ON people(lastname, firstname);
CREATE INDEX people_email ON people(email);

CREATE TABLE lesson_comments (
    id         INTEGER PRIMARY KEY,
    lesson_id  BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    person_id  BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX lesson_comments_lesson ON lesson_comments(lesson_id);
CREATE INDEX lesson_comments_person ON lesson_comments(person_id);

CREATE TABLE course_tutors (
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (course_id, person_id)
);
CREATE INDEX course_tutors_person ON course_tutors(person_id);

CREATE TABLE course_groups (
    id        INTEGER PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    idnumber  TEXT
);
CREATE INDEX course_groups_course ON course_groups(course_id);

CREATE TABLE group_members (
    group_id  BIGINT NOT NULL REFERENCES course_groups(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX group_members_person ON group_members(person_id);

CREATE TABLE enrolments (
    id              INTEGER PRIMARY KEY,
    course_id       BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    person_id       BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL DEFAULT 'mandatory' CHECK (kind IN ('mandatory','recommended','free')),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    enrolled_at     BIGINT NOT NULL,
    start_at        BIGINT,
    target_at       BIGINT,
    end_at          BIGINT,
    first_access    BIGINT,           -- course; NULL: never opened the course
    last_access     BIGINT,
    -- Summary of lesson_progress, kept in step by the store in the same transaction as
    -- every progress write, so that a 10,000-learner table loads without aggregating.
    lessons_done    BIGINT NOT NULL DEFAULT 0,
    lessons_started BIGINT NOT NULL DEFAULT 0,
    time_spent      BIGINT NOT NULL DEFAULT 0,
    certificate_at  BIGINT,
    UNIQUE (course_id, person_id)
);
CREATE INDEX enrolments_person ON enrolments(person_id);
CREATE INDEX enrolments_course_access ON enrolments(course_id, last_access);
CREATE INDEX enrolments_course_kind ON enrolments(course_id, kind);

CREATE TABLE lesson_progress (
    id            INTEGER PRIMARY KEY,
    enrolment_id  BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id     BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'not_attempted'
                  CHECK (status IN ('not_attempted','incomplete','completed','passed','failed')),
    score         DOUBLE PRECISION,   -- percent; NULL: n.a.
    average_score DOUBLE PRECISION,
    attempts      BIGINT NOT NULL DEFAULT 0,
    time_spent    BIGINT NOT NULL DEFAULT 0,
    status_at     BIGINT,
    location      TEXT NOT NULL DEFAULT '',
    suspend_data  TEXT NOT NULL DEFAULT '',
    version       BIGINT NOT NULL DEFAULT 1,
    updated_at    BIGINT,
    updated_by    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    UNIQUE (enrolment_id, lesson_id)
);
CREATE INDEX lesson_progress_lesson ON lesson_progress(lesson_id, status);
CREATE INDEX lesson_progress_updated_by ON lesson_progress(updated_by);

CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id    BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    number       BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('not_attempted','incomplete','completed','passed','failed')),
    score        DOUBLE PRECISION,
    time_spent   BIGINT NOT NULL DEFAULT 0,
    cleared      BOOLEAN NOT NULL DEFAULT FALSE  -- hidden from the count by a tutor; never deleted
);
CREATE INDEX attempts_enrolment_lesson ON attempts(enrolment_id, lesson_id, number);
CREATE INDEX attempts_lesson ON attempts(lesson_id);

CREATE TABLE connections (
    id           INTEGER PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id    BIGINT REFERENCES lessons(id) ON DELETE SET NULL,
    at           BIGINT NOT NULL,
    duration     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX connections_enrolment ON connections(enrolment_id, at);
CREATE INDEX connections_lesson ON connections(lesson_id);

CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL UNIQUE,
    batch_id     TEXT,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
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
    next_try_at  BIGINT,
    sent_at      BIGINT
);
CREATE INDEX reminders_enrolment ON reminders(enrolment_id, created_at);
CREATE INDEX reminders_status ON reminders(status, next_try_at);
CREATE INDEX reminders_sender ON reminders(sender_id);
CREATE INDEX reminders_created ON reminders(created_at);

CREATE TABLE contact_notes (
    id           INTEGER PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    author_id    BIGINT REFERENCES people(id) ON DELETE SET NULL,
    at           BIGINT NOT NULL,
    note         TEXT NOT NULL
);
CREATE INDEX contact_notes_enrolment ON contact_notes(enrolment_id, at);
CREATE INDEX contact_notes_author ON contact_notes(author_id);

CREATE TABLE reviews (
    id         INTEGER PRIMARY KEY,
    course_id  BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    person_id  BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    stars      BIGINT NOT NULL,       -- 1..5 expected; out-of-range values are flagged, not fixed
    comment    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_course ON reviews(course_id, created_at);
CREATE INDEX reviews_person ON reviews(person_id);

CREATE TABLE virtual_classes (
    id         INTEGER PRIMARY KEY,
    course_id  BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    duration   BIGINT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX virtual_classes_course ON virtual_classes(course_id, starts_at);
CREATE INDEX virtual_classes_creator ON virtual_classes(created_by);

CREATE TABLE virtual_class_invitees (
    virtual_class_id BIGINT NOT NULL REFERENCES virtual_classes(id) ON DELETE CASCADE,
    enrolment_id     BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    PRIMARY KEY (virtual_class_id, enrolment_id)
);
CREATE INDEX virtual_class_invitees_enrolment ON virtual_class_invitees(enrolment_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    change_id    TEXT NOT NULL,       -- groups the fields of one save
    at           BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES people(id) ON DELETE SET NULL,
    action       TEXT NOT NULL,       -- edit, undo, ...
    entity       TEXT NOT NULL,       -- lesson_progress, ...
    entity_id    BIGINT NOT NULL,
    enrolment_id BIGINT REFERENCES enrolments(id) ON DELETE SET NULL,
    field        TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT,
    undone_by    TEXT                 -- change_id of the undo, if undone
);
CREATE INDEX audit_log_enrolment ON audit_log(enrolment_id, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE INDEX audit_log_change ON audit_log(change_id);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
