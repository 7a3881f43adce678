//! Batched writes of the generated rows: each batch is one committed transaction, so memory
//! and the SQLite WAL stay small and Ctrl-C loses at most the batch in hand.

use std::sync::atomic::{AtomicBool, Ordering};

use super::GenError;
use crate::store::Store;
use crate::store::bulk::{Tx, Val};
use crate::store::demo::{ENROLMENT_COLS, REVIEW_COLS};
use crate::store::history::{NOTE_COLS, REMINDER_COLS};
use crate::store::world::Sink;

/// Writes the rows it is given, committing every batch so memory and the WAL stay small.
pub(super) struct Writer<'a> {
    pub store: &'a Store,
    pub tx: Option<Tx>,
    pub enrolments: Vec<Vec<Val>>,
    pub reviews: Vec<Vec<Val>>,
    pub reminders: Vec<Vec<Val>>,
    pub notes: Vec<Vec<Val>>,
    pub sink: Sink,
    pub cancel: &'a AtomicBool,
}

const LOAD_CACHE: &str = "PRAGMA cache_size = -131072";

impl Writer<'_> {
    pub fn pending(&self) -> usize {
        self.enrolments.len() + self.reviews.len() + self.reminders.len() + self.sink.pending()
    }

    pub async fn tx(&mut self) -> Result<&mut Tx, GenError> {
        if self.tx.is_none() {
            let mut tx = self.store.begin_write().await?;
            if let Tx::Sqlite(t) = &mut tx {
                // Index pages of random-order inserts stay cached instead of being re-read
                // (per connection, reset at close; temp_store is set at connect time).
                sqlx::query(LOAD_CACHE).execute(&mut **t).await?;
            }
            self.tx = Some(tx);
        }
        Ok(self.tx.as_mut().expect("just opened"))
    }

    /// Writes what is pending and commits; stops here when cancelled (the open batch is
    /// rolled back, earlier ones stay).
    pub async fn commit(&mut self) -> Result<(), GenError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(GenError::Cancelled);
        }
        let (enrolments, reviews) = (std::mem::take(&mut self.enrolments), std::mem::take(&mut self.reviews));
        let (reminders, notes) = (std::mem::take(&mut self.reminders), std::mem::take(&mut self.notes));
        let mut sink = std::mem::take(&mut self.sink);
        let tx = self.tx().await?;
        tx.insert("enrolments", ENROLMENT_COLS, &enrolments).await?;
        sink.flush(tx).await?;
        tx.insert("reviews", REVIEW_COLS, &reviews).await?;
        tx.insert("reminders", REMINDER_COLS, &reminders).await?;
        tx.insert("contact_notes", NOTE_COLS, &notes).await?;
        self.sink = Sink {
            next_progress_id: sink.next_progress_id,
            next_attempt_id: sink.next_attempt_id,
            next_connection_id: sink.next_connection_id,
            ..Sink::default()
        };
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        Ok(())
    }
}
