//! People: tutors and learners.

use super::{Result, Store};
use crate::with_pool;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub is_admin: bool,
}

/// Who is using the dashboard, and so which courses they see.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    pub username: String,
    /// `None` when the username is not in the database: such a tutor sees nothing.
    pub person: Option<Person>,
}

impl Scope {
    pub fn person_id(&self) -> i64 {
        self.person.as_ref().map(|p| p.id).unwrap_or(-1)
    }

    pub fn is_admin(&self) -> bool {
        self.person.as_ref().is_some_and(|p| p.is_admin)
    }
}

impl Store {
    pub async fn person_by_username(&self, username: &str) -> Result<Option<Person>> {
        const SQL: &str = "SELECT id, username, firstname, lastname, email, is_admin \
                           FROM people WHERE username = $1";
        Ok(with_pool!(self, |p| sqlx::query_as(SQL).bind(username).fetch_optional(p).await)?)
    }

    pub async fn scope_for(&self, username: &str) -> Result<Scope> {
        Ok(Scope { username: username.to_string(), person: self.person_by_username(username).await? })
    }

    /// Username of the first tutor (lowest id among people tutoring a course).
    pub async fn first_tutor(&self) -> Result<Option<String>> {
        const SQL: &str = "SELECT p.username FROM people p \
                           WHERE EXISTS (SELECT 1 FROM course_tutors t WHERE t.person_id = p.id) \
                           ORDER BY p.id LIMIT 1";
        Ok(with_pool!(self, |p| sqlx::query_scalar(SQL).fetch_optional(p).await)?)
    }
}
