-- Bringing a centre's people in (issue 12): trainee-record fields on people, cohorts with
-- their members and synced courses, where a cohort-made enrolment came from, and sessions
-- set up from a model course. Same tables and columns as the PostgreSQL migration.

-- Trainee records: civility ('monsieur' / 'madame'), and the Moodle upload fields tutorat
-- keeps (institution goes to organisation, phone1 to phone). Passwords are never stored.
ALTER TABLE people ADD COLUMN civility TEXT CHECK (civility IN ('monsieur', 'madame'));
ALTER TABLE people ADD COLUMN idnumber TEXT;
ALTER TABLE people ADD COLUMN department TEXT;
ALTER TABLE people ADD COLUMN city TEXT;
ALTER TABLE people ADD COLUMN phone2 TEXT;
-- A training manager: may import people and set up sessions from the dashboard.
ALTER TABLE people ADD COLUMN is_manager BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX people_matricule ON people(matricule);

CREATE TABLE cohorts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    idnumber    TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE cohort_members (
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, person_id)
);
CREATE INDEX cohort_members_person ON cohort_members(person_id);

-- A course synced with a cohort enrols every member, and ends the enrolments it made for
-- members who left (enrolments.active = FALSE, end_at set: never deleted).
CREATE TABLE cohort_courses (
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, course_id)
);
CREATE INDEX cohort_courses_course ON cohort_courses(course_id);

-- The cohort an enrolment was made by; NULL: made otherwise (by hand, import, session),
-- which cohort sync never ends.
ALTER TABLE enrolments ADD COLUMN cohort_id BIGINT REFERENCES cohorts(id) ON DELETE SET NULL;
CREATE INDEX enrolments_cohort ON enrolments(cohort_id);

-- A course set up by `tutorat session new`: its model, order, group and support course.
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    course_id         BIGINT NOT NULL UNIQUE REFERENCES courses(id) ON DELETE CASCADE,
    model_course_id   BIGINT REFERENCES courses(id) ON DELETE SET NULL,
    order_id          TEXT,
    group_id          BIGINT REFERENCES course_groups(id) ON DELETE SET NULL,
    support_course_id BIGINT REFERENCES courses(id) ON DELETE SET NULL,
    created_by        BIGINT REFERENCES people(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX sessions_model ON sessions(model_course_id);
CREATE INDEX sessions_group ON sessions(group_id);
CREATE INDEX sessions_support ON sessions(support_course_id);
CREATE INDEX sessions_creator ON sessions(created_by);
