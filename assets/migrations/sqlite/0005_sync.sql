-- Sync from an outside platform (Moodle web services; see src/sync).
--
-- Every synced row keeps where it came from: external_source (the platform, e.g. the Moodle
-- site's address) and external_id (its id there: a Moodle id, or "courseid:userid" and the
-- like for rows Moodle has no id of its own for). Unique together, so that a second sync
-- finds the same rows; rows made in tutorat keep both NULL (NULLs never collide), and the
-- sync never deletes or unlinks a row it did not make.

ALTER TABLE categories ADD COLUMN external_source TEXT;
ALTER TABLE categories ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX categories_external ON categories(external_source, external_id);

ALTER TABLE courses ADD COLUMN external_source TEXT;
ALTER TABLE courses ADD COLUMN external_id TEXT;
-- When the course was last synced whole (its learners' details are read again after that
-- only for those who came back to the course).
ALTER TABLE courses ADD COLUMN synced_at BIGINT;
CREATE UNIQUE INDEX courses_external ON courses(external_source, external_id);

ALTER TABLE lessons ADD COLUMN external_source TEXT;
ALTER TABLE lessons ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX lessons_external ON lessons(external_source, external_id);

ALTER TABLE people ADD COLUMN external_source TEXT;
ALTER TABLE people ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX people_external ON people(external_source, external_id);

ALTER TABLE course_groups ADD COLUMN external_source TEXT;
ALTER TABLE course_groups ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX course_groups_external ON course_groups(external_source, external_id);

ALTER TABLE group_members ADD COLUMN external_source TEXT;
ALTER TABLE group_members ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX group_members_external ON group_members(external_source, external_id);

ALTER TABLE course_tutors ADD COLUMN external_source TEXT;
ALTER TABLE course_tutors ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX course_tutors_external ON course_tutors(external_source, external_id);

ALTER TABLE enrolments ADD COLUMN external_source TEXT;
ALTER TABLE enrolments ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX enrolments_external ON enrolments(external_source, external_id);

ALTER TABLE lesson_progress ADD COLUMN external_source TEXT;
ALTER TABLE lesson_progress ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX lesson_progress_external ON lesson_progress(external_source, external_id);

ALTER TABLE attempts ADD COLUMN external_source TEXT;
ALTER TABLE attempts ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX attempts_external ON attempts(external_source, external_id);

-- One row per run of `tutorat sync moodle` (or of the dashboard's sync), dry runs excepted.
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,               -- NULL while running (or after a crash)
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running','ok','partial','failed','cancelled')),
    courses     BIGINT NOT NULL DEFAULT 0,   -- courses written
    summary     TEXT NOT NULL DEFAULT '',    -- the run's report, JSON
    error       TEXT
);
CREATE INDEX sync_runs_source ON sync_runs(source, status, finished_at);

-- A value the platform reported for a field a tutor corrected in tutorat (audit_log): the
-- tutor's value is kept, the platform's is recorded here, once per distinct value.
CREATE TABLE sync_conflicts (
    id           INTEGER PRIMARY KEY,
    run_id       BIGINT REFERENCES sync_runs(id) ON DELETE SET NULL,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id    BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    progress_id  BIGINT NOT NULL REFERENCES lesson_progress(id) ON DELETE CASCADE,
    field        TEXT NOT NULL,       -- a lesson_progress column, as in audit_log
    kept_value   TEXT,                -- the tutor's value, kept (audit text form)
    source_value TEXT,                -- what the platform says (audit text form)
    detected_at  BIGINT NOT NULL,
    UNIQUE (progress_id, field, source_value)
);
CREATE INDEX sync_conflicts_enrolment ON sync_conflicts(enrolment_id, detected_at);
CREATE INDEX sync_conflicts_lesson ON sync_conflicts(lesson_id);
CREATE INDEX sync_conflicts_run ON sync_conflicts(run_id);
