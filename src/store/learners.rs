//! The learners of a course, as compact rows for the tutoring centre's table.

use super::people::Scope;
use super::{Result, Store, StoreError};
use crate::model::learner::LearnerRow;
use crate::with_pool;

/// One row per enrolment, with the tutor's pending work per learner (missions handed in
/// but not graded; observations made), so the counters follow any filter in memory.
const COURSE_LEARNERS: &str = "
SELECT e.id AS enrolment_id, p.id AS person_id, p.username, p.firstname, p.lastname,
       p.email, p.phone, p.organisation, p.suspended, p.first_access AS platform_first_access,
       e.kind, e.active, e.enrolled_at, e.start_at, e.end_at, e.first_access, e.last_access,
       e.lessons_done, e.lessons_started, e.time_spent, e.certificate_at,
       CAST(COALESCE(m.n, 0) AS BIGINT) AS missions_to_grade,
       CAST(COALESCE(o.n, 0) AS BIGINT) AS observations_done
FROM enrolments e
JOIN people p ON p.id = e.person_id
LEFT JOIN (SELECT pr.enrolment_id, COUNT(*) AS n
           FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
           WHERE l.course_id = $1 AND l.kind = 'mission'
             AND pr.status = 'completed' AND pr.score IS NULL
           GROUP BY pr.enrolment_id) m ON m.enrolment_id = e.id
LEFT JOIN (SELECT pr.enrolment_id, COUNT(*) AS n
           FROM lesson_progress pr JOIN lessons l ON l.id = pr.lesson_id
           WHERE l.course_id = $1 AND l.kind = 'observation'
             AND pr.status IN ('completed', 'passed', 'failed')
           GROUP BY pr.enrolment_id) o ON o.enrolment_id = e.id
WHERE e.course_id = $1";

const OBSERVATION_LESSONS: &str =
    "SELECT COUNT(*) FROM lessons WHERE course_id = $1 AND kind = 'observation'";

/// A course's learners, with the lesson count their progress is measured against.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseLearners {
    pub course_id: i64,
    pub lessons_total: i64,
    /// Observation lessons of the course: each learner has that many observations to make.
    pub observation_lessons: i64,
    pub rows: Vec<LearnerRow>,
}

impl Store {
    pub async fn course_learners(&self, scope: &Scope, course_id: i64) -> Result<CourseLearners> {
        if !self.can_see_course(scope, course_id).await? {
            return Err(StoreError::Forbidden(format!(
                "{} does not tutor course {course_id}",
                scope.username
            )));
        }
        let lessons_total = self.lessons_total(course_id).await?;
        let observation_lessons: i64 =
            with_pool!(self, |p| sqlx::query_scalar(OBSERVATION_LESSONS).bind(course_id).fetch_one(p).await)?;
        let rows = with_pool!(self, |p| sqlx::query_as(COURSE_LEARNERS).bind(course_id).fetch_all(p).await)?;
        Ok(CourseLearners { course_id, lessons_total, observation_lessons, rows })
    }
}
