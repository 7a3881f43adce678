//! People: tutors and learners.

use super::{Result, Store, StoreError};
use crate::with_pool;

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: Option<String>,
    pub is_admin: bool,
    /// A name could not be read as stored (see `store::lenient`).
    pub damaged: bool,
}

crate::lenient_row!(Person, |c| Ok(Person {
    id: c.int("id")?,
    username: c.text("username")?,
    firstname: c.text("firstname")?,
    lastname: c.text("lastname")?,
    email: c.opt_text("email")?,
    is_admin: c.flag("is_admin")?,
    damaged: c.damaged,
}));

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

    /// Whether the username was found in the database (an unknown tutor sees nothing).
    pub fn is_known(&self) -> bool {
        self.person.is_some()
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

    /// The scope of a tutor who must exist: an unknown username (a typo, the wrong case,
    /// an empty `$USER`) is [`StoreError::UnknownTutor`], with the username that differs
    /// only by case if there is one. Every command that acts as a tutor starts here, so
    /// that nobody is shown an empty list for a name that is not in the database.
    pub async fn known_scope(&self, username: &str) -> Result<Scope> {
        const SAME_LETTERS: &str = "SELECT username FROM people WHERE LOWER(username) = LOWER($1) \
                                    ORDER BY id LIMIT 1";
        if !username.trim().is_empty() {
            let scope = self.scope_for(username).await?;
            if scope.is_known() {
                return Ok(scope);
            }
        }
        let suggestion: Option<String> = if username.trim().is_empty() {
            None
        } else {
            with_pool!(self, |p| sqlx::query_scalar(SAME_LETTERS).bind(username).fetch_optional(p).await)?
        };
        Err(StoreError::UnknownTutor { username: username.to_string(), suggestion })
    }

    /// Username of the first tutor (lowest id among people tutoring a course).
    pub async fn first_tutor(&self) -> Result<Option<String>> {
        const SQL: &str = "SELECT p.username FROM people p \
                           WHERE EXISTS (SELECT 1 FROM course_tutors t WHERE t.person_id = p.id) \
                           ORDER BY p.id LIMIT 1";
        Ok(with_pool!(self, |p| sqlx::query_scalar(SQL).fetch_optional(p).await)?)
    }
}
