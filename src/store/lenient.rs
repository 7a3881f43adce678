//! Reading what the database holds even when a value is damaged. SQLite stores what it is
//! given: a name that is not valid UTF-8 (bytes written by another tool), text in an
//! integer column, an integer beyond 64 bits (stored as a float). Read strictly, one such
//! value fails the whole query: the course table, the triage queue, `triage` and
//! `remind` would show nothing. Read leniently, the damage stays in its row: text gets the
//! replacement character `�`, a number that cannot be read becomes 0, and the row's
//! `damaged` flag is set, so the interface flags it like the other impossible data (`!`).
//!
//! PostgreSQL enforces its types, so there these read exactly as the strict types would.

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Row, Type, TypeInfo, ValueRef};

/// Text, with `bad` set when it was not valid UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LText {
    pub text: String,
    pub bad: bool,
}

/// An integer, with `bad` set (and 0) when the stored value is not one that fits in 64 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LInt {
    pub value: i64,
    pub bad: bool,
}

impl LText {
    pub fn from_bytes(b: &[u8]) -> LText {
        match std::str::from_utf8(b) {
            Ok(s) => LText { text: s.to_string(), bad: false },
            Err(_) => LText { text: String::from_utf8_lossy(b).into_owned(), bad: true },
        }
    }
}

impl LInt {
    pub const BAD: LInt = LInt { value: 0, bad: true };

    pub fn from_f64(f: f64) -> LInt {
        // 2^63 is exactly representable; anything from there up does not fit.
        if f.is_finite()
            && f.fract() == 0.0
            && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
        {
            LInt { value: f as i64, bad: false }
        } else {
            LInt::BAD
        }
    }

    pub fn from_text(s: &str) -> LInt {
        let t = s.trim();
        match t.parse::<i64>() {
            Ok(v) => LInt { value: v, bad: false },
            Err(_) => t.parse::<f64>().map(LInt::from_f64).unwrap_or(LInt::BAD),
        }
    }
}

// SQLite: any storage class is accepted and read as well as it can be.

impl Type<Sqlite> for LText {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(_: &SqliteTypeInfo) -> bool {
        true
    }
}

impl<'r> Decode<'r, Sqlite> for LText {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        // The bytes as stored (a number reads as its text), never a UTF-8 check that fails.
        let bytes = <&[u8] as Decode<Sqlite>>::decode(value)?;
        Ok(LText::from_bytes(bytes))
    }
}

impl Type<Sqlite> for LInt {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(_: &SqliteTypeInfo) -> bool {
        true
    }
}

impl<'r> Decode<'r, Sqlite> for LInt {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let kind = value.type_info().name().to_string();
        Ok(match kind.as_str() {
            "INTEGER" | "BOOLEAN" => LInt { value: <i64 as Decode<Sqlite>>::decode(value)?, bad: false },
            "REAL" => LInt::from_f64(<f64 as Decode<Sqlite>>::decode(value)?),
            "TEXT" => LInt::from_text(&String::from_utf8_lossy(<&[u8] as Decode<Sqlite>>::decode(value)?)),
            _ => LInt::BAD,
        })
    }
}

// PostgreSQL: the strict types.

impl Type<Postgres> for LText {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for LText {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(LText { text: <String as Decode<Postgres>>::decode(value)?, bad: false })
    }
}

impl Type<Postgres> for LInt {
    fn type_info() -> PgTypeInfo {
        <i64 as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <i64 as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for LInt {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(LInt { value: <i64 as Decode<Postgres>>::decode(value)?, bad: false })
    }
}

/// Reads a row's columns leniently, remembering whether any was damaged.
pub struct Cols<'r, R> {
    row: &'r R,
    pub damaged: bool,
}

impl<'r, R> Cols<'r, R>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    LText: Decode<'r, R::Database> + Type<R::Database>,
    LInt: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
{
    pub fn new(row: &'r R) -> Self {
        Cols { row, damaged: false }
    }

    /// A text column that should not be NULL (NULL reads as empty, flagged).
    pub fn text(&mut self, col: &'r str) -> Result<String, sqlx::Error> {
        match self.row.try_get::<Option<LText>, _>(col)? {
            Some(t) => {
                self.damaged |= t.bad;
                Ok(t.text)
            }
            None => {
                self.damaged = true;
                Ok(String::new())
            }
        }
    }

    pub fn opt_text(&mut self, col: &'r str) -> Result<Option<String>, sqlx::Error> {
        Ok(self.row.try_get::<Option<LText>, _>(col)?.map(|t| {
            self.damaged |= t.bad;
            t.text
        }))
    }

    /// An integer column that should not be NULL (NULL reads as 0, flagged).
    pub fn int(&mut self, col: &'r str) -> Result<i64, sqlx::Error> {
        let v = self.row.try_get::<Option<LInt>, _>(col)?.unwrap_or(LInt::BAD);
        self.damaged |= v.bad;
        Ok(v.value)
    }

    /// A nullable integer (a date): a damaged value reads as `Some(0)`, never as `None`,
    /// which would mean "never" (and, for an access date, make the learner one to remind).
    pub fn opt_int(&mut self, col: &'r str) -> Result<Option<i64>, sqlx::Error> {
        Ok(self.row.try_get::<Option<LInt>, _>(col)?.map(|v| {
            self.damaged |= v.bad;
            v.value
        }))
    }

    /// Booleans are stored as integers on SQLite: anything but 0 is true.
    pub fn flag(&mut self, col: &'r str) -> Result<bool, sqlx::Error> {
        if <R::Database as Database>::NAME == "SQLite" {
            return Ok(self.int(col)? != 0);
        }
        self.row.try_get::<bool, _>(col)
    }
}

/// Implements `FromRow` for SQLite and PostgreSQL rows with a lenient body:
/// `lenient_row!(Type, |c| Ok(Type { a: c.text("a")?, …, damaged: c.damaged }))`.
#[macro_export]
macro_rules! lenient_row {
    ($t:ty, |$c:ident| $body:expr) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $t {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                #[allow(unused_mut)]
                let mut $c = $crate::store::lenient::Cols::new(row);
                $body
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $t {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                #[allow(unused_mut)]
                let mut $c = $crate::store::lenient::Cols::new(row);
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_values_are_read_and_flagged() {
        assert_eq!(LText::from_bytes(b"Dupont"), LText { text: "Dupont".into(), bad: false });
        let t = LText::from_bytes(b"Dup\xC3\x28nt");
        assert!(t.bad && t.text.contains('\u{FFFD}') && t.text.ends_with("(nt"), "{t:?}");
        assert_eq!(LInt::from_f64(42.0), LInt { value: 42, bad: false });
        assert!(LInt::from_f64(1e20).bad);
        assert!(LInt::from_f64(9.223_372_036_854_776e18).bad);
        assert!(LInt::from_f64(f64::NAN).bad);
        assert!(LInt::from_f64(2.5).bad);
        assert_eq!(LInt::from_text(" 17 "), LInt { value: 17, bad: false });
        assert!(LInt::from_text("dix").bad);
        assert!(LInt::from_text("99999999999999999999").bad);
    }
}
