//! What a tutor may do to one reminder of the log after the fact: send a failed or
//! uncertain one again, confirm that an uncertain one arrived, cancel one still waiting.

use super::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAct {
    /// Put a failed or uncertain reminder back in the queue (it is then sent).
    Retry,
    /// The tutor checked that an uncertain one arrived.
    Confirm,
    /// It will not be sent.
    Cancel,
}

impl LogAct {
    /// Whether the act applies to a reminder in this status (`None`: a status this version
    /// does not know, to which nothing applies).
    pub fn allowed(self, status: Option<Status>) -> bool {
        match self {
            LogAct::Retry => matches!(status, Some(Status::Failed | Status::Uncertain)),
            LogAct::Confirm => status == Some(Status::Uncertain),
            LogAct::Cancel => matches!(status, Some(Status::Queued | Status::Failed | Status::Uncertain)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_applies_to_each_status() {
        let allowed = |act: LogAct| -> Vec<Status> {
            Status::ALL.into_iter().filter(|s| act.allowed(Some(*s))).collect()
        };
        assert_eq!(allowed(LogAct::Retry), [Status::Failed, Status::Uncertain]);
        assert_eq!(allowed(LogAct::Confirm), [Status::Uncertain]);
        assert_eq!(allowed(LogAct::Cancel), [Status::Queued, Status::Failed, Status::Uncertain]);
        // A message being handed over right now, or already settled, is left alone.
        for act in [LogAct::Retry, LogAct::Confirm, LogAct::Cancel] {
            for s in [Status::Sending, Status::Sent, Status::Cancelled] {
                assert!(!act.allowed(Some(s)), "{act:?} on {s:?}");
            }
            assert!(!act.allowed(None), "{act:?} on an unknown status");
        }
    }
}
