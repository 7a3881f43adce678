//! Categories and tutored courses.

use super::people::Scope;
use super::{Result, Store, StoreError};
use crate::model::catalog::{self, Category, CourseSummary};
use crate::with_pool;

/// Tutored courses with their learner counts, in one pass over enrolments.
/// `$1`: sees everything (admin); `$2`: the tutor's person id; `$extra` narrows the rows.
macro_rules! course_summaries {
    ($extra:literal) => {
        concat!(
            "
WITH lt AS (SELECT course_id, COUNT(*) AS n FROM lessons GROUP BY course_id)
SELECT c.id, c.category_id, c.shortname, c.fullname, c.audience,
       CAST(COALESCE(lt.n, 0) AS BIGINT) AS lessons_total,
       CAST(COUNT(e.id) AS BIGINT) AS learners,
       CAST(COALESCE(SUM(CASE WHEN e.id IS NOT NULL AND e.lessons_started <= 0
                                   AND e.lessons_done <= 0
                              THEN 1 ELSE 0 END), 0) AS BIGINT) AS not_started,
       CAST(COALESCE(SUM(CASE WHEN e.id IS NOT NULL AND e.last_access IS NULL
                              THEN 1 ELSE 0 END), 0) AS BIGINT) AS never_accessed,
       CAST(COALESCE(SUM(CASE WHEN COALESCE(lt.n, 0) > 0 AND e.lessons_done >= lt.n
                              THEN 1 ELSE 0 END), 0) AS BIGINT) AS completed,
       CAST(COALESCE(SUM(CASE WHEN e.id IS NULL OR e.lessons_done < 0 THEN 0
                              WHEN e.lessons_done > COALESCE(lt.n, 0) THEN COALESCE(lt.n, 0)
                              ELSE e.lessons_done END), 0) AS BIGINT) AS done_sum,
       CAST(COALESCE(SUM(CASE WHEN e.time_spent > 0 THEN e.time_spent ELSE 0 END), 0)
            AS BIGINT) AS time_sum
FROM courses c
LEFT JOIN lt ON lt.course_id = c.id
LEFT JOIN enrolments e ON e.course_id = c.id
WHERE ($1 OR c.id IN (SELECT course_id FROM course_tutors WHERE person_id = $2))",
            $extra,
            "
GROUP BY c.id, c.category_id, c.shortname, c.fullname, c.audience, lt.n
ORDER BY c.fullname, c.id"
        )
    };
}

pub(crate) const COURSE_SUMMARIES: &str = course_summaries!("");
const ONE_COURSE_SUMMARY: &str = course_summaries!(" AND c.id = $3");

const COURSE_INFO: &str = "
SELECT id, category_id, shortname, fullname, description, audience, competencies,
       catalogue_url, start_at, end_at
FROM courses WHERE id = $1";

/// Lessons with their comment counts and the work waiting for the tutor: missions handed
/// in but not graded, observations not yet made (one per enrolled learner).
const COURSE_LESSONS: &str = "
SELECT l.id, l.position, l.kind, l.title, l.points, l.passing_score, l.scorm_version,
       l.completion,
       CAST((SELECT COUNT(*) FROM lesson_comments m WHERE m.lesson_id = l.id) AS BIGINT)
           AS comments,
       CAST(CASE
         WHEN l.kind = 'mission' THEN
           (SELECT COUNT(*) FROM lesson_progress p
            WHERE p.lesson_id = l.id AND p.status = 'completed' AND p.score IS NULL)
         WHEN l.kind = 'observation' THEN
           (SELECT COUNT(*) FROM enrolments e WHERE e.course_id = l.course_id)
           - (SELECT COUNT(*) FROM lesson_progress p
              WHERE p.lesson_id = l.id AND p.status IN ('completed', 'passed', 'failed'))
         ELSE 0 END AS BIGINT) AS pending
FROM lessons l
WHERE l.course_id = $1
ORDER BY l.position, l.id";

const COURSE_REVIEWS: &str = "
SELECT r.id, r.created_at, r.stars, r.comment, p.firstname, p.lastname
FROM reviews r LEFT JOIN people p ON p.id = r.person_id
WHERE r.course_id = $1
ORDER BY r.created_at DESC, r.id DESC";

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CourseInfo {
    pub id: i64,
    pub category_id: Option<i64>,
    pub shortname: String,
    pub fullname: String,
    pub description: String,
    pub audience: Option<String>,
    pub competencies: String,
    pub catalogue_url: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LessonInfo {
    pub id: i64,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub points: i64,
    pub passing_score: Option<f64>,
    pub scorm_version: Option<String>,
    pub completion: String,
    pub comments: i64,
    pub pending: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReviewInfo {
    pub id: i64,
    pub created_at: i64,
    pub stars: i64,
    pub comment: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
}

/// Everything the course detail shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseDetail {
    pub info: CourseInfo,
    /// Category names from the root down; empty when the category is missing.
    pub category_path: Vec<String>,
    pub lessons: Vec<LessonInfo>,
    pub reviews: Vec<ReviewInfo>,
    pub summary: CourseSummary,
}

crate::lenient_row!(CourseSummary, |c| Ok(CourseSummary {
    id: c.int("id")?,
    category_id: c.opt_int("category_id")?,
    shortname: c.text("shortname")?,
    fullname: c.text("fullname")?,
    audience: c.opt_text("audience")?,
    lessons_total: c.int("lessons_total")?,
    learners: c.int("learners")?,
    not_started: c.int("not_started")?,
    never_accessed: c.int("never_accessed")?,
    completed: c.int("completed")?,
    done_sum: c.int("done_sum")?,
    time_sum: c.int("time_sum")?,
    damaged: c.damaged,
}));

impl Store {
    pub async fn categories(&self) -> Result<Vec<Category>> {
        const SQL: &str = "SELECT id, parent_id, name, position FROM categories ORDER BY position, name, id";
        Ok(with_pool!(self, |p| sqlx::query_as(SQL).fetch_all(p).await)?)
    }

    pub async fn tutored_courses(&self, scope: &Scope) -> Result<Vec<CourseSummary>> {
        Ok(with_pool!(self, |p| sqlx::query_as(COURSE_SUMMARIES)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .fetch_all(p)
            .await)?)
    }

    /// Whether the tutor may see this course.
    pub async fn can_see_course(&self, scope: &Scope, course_id: i64) -> Result<bool> {
        if scope.is_admin() {
            return Ok(true);
        }
        const SQL: &str = "SELECT COUNT(*) FROM course_tutors WHERE course_id = $1 AND person_id = $2";
        let n: i64 = with_pool!(self, |p| sqlx::query_scalar(SQL)
            .bind(course_id)
            .bind(scope.person_id())
            .fetch_one(p)
            .await)?;
        Ok(n > 0)
    }

    pub async fn course_detail(&self, scope: &Scope, course_id: i64) -> Result<CourseDetail> {
        let summary: Option<CourseSummary> = with_pool!(self, |p| sqlx::query_as(ONE_COURSE_SUMMARY)
            .bind(scope.is_admin())
            .bind(scope.person_id())
            .bind(course_id)
            .fetch_optional(p)
            .await)?;
        let Some(summary) = summary else {
            return Err(StoreError::Forbidden(format!(
                "{} does not tutor course {course_id}",
                scope.username
            )));
        };
        let info: CourseInfo =
            with_pool!(self, |p| sqlx::query_as(COURSE_INFO).bind(course_id).fetch_one(p).await)?;
        let lessons =
            with_pool!(self, |p| sqlx::query_as(COURSE_LESSONS).bind(course_id).fetch_all(p).await)?;
        let reviews =
            with_pool!(self, |p| sqlx::query_as(COURSE_REVIEWS).bind(course_id).fetch_all(p).await)?;
        let category_path = catalog::category_path(&self.categories().await?, info.category_id);
        Ok(CourseDetail { info, category_path, lessons, reviews, summary })
    }

    pub async fn lessons_total(&self, course_id: i64) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM lessons WHERE course_id = $1";
        Ok(with_pool!(self, |p| sqlx::query_scalar(SQL).bind(course_id).fetch_one(p).await)?)
    }
}
