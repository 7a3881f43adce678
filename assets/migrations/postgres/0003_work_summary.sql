-- The tutor's pending work per enrolment joins the other summary columns of lesson_progress
-- (lessons_done, ...), kept in step by the store in the same transaction as every progress
-- write (RESUMMARISE in src/store/progress.rs), so that opening a 10,000-learner tutoring
-- centre reads them instead of counting progress rows.
--   missions_to_grade: mission lessons handed in (status completed) and not graded (no score)
--   observations_done: observation lessons assessed (completed, passed or failed)

ALTER TABLE enrolments ADD COLUMN missions_to_grade BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN observations_done BIGINT NOT NULL DEFAULT 0;

-- Existing databases: counted once from the rows they hold.
UPDATE enrolments SET
  missions_to_grade = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'mission' AND pr.status = 'completed' AND pr.score IS NULL),
  observations_done = (SELECT COUNT(*) FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
                       WHERE pr.enrolment_id = enrolments.id AND l.course_id = enrolments.course_id
                         AND l.kind = 'observation' AND pr.status IN ('completed', 'passed', 'failed'))
WHERE EXISTS (SELECT 1 FROM lesson_progress pr WHERE pr.enrolment_id = enrolments.id);
