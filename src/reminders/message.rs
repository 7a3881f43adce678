//! Turns a queued row into the e-mail handed to the transport.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};

use crate::store::reminders::{Outgoing, StoredAttachment};

/// Who the message is from, and where replies go (the tutor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub from_address: String,
    pub from_name: String,
    pub reply_to: Option<String>,
}

/// Builds the message with our stored Message-ID, so that a copy of the same reminder is
/// recognisable wherever it lands. Errors are about data that can never be sent as is (a
/// malformed address): the caller records them as permanent failures.
pub fn build(out: &Outgoing, id: &Identity, attachments: &[StoredAttachment]) -> Result<Message, String> {
    let addr = |a: &str| a.trim().parse::<lettre::Address>().map_err(|e| format!("address {a:?}: {e}"));
    let from_name = Some(id.from_name.trim().to_string()).filter(|n| !n.is_empty());
    let mut b = Message::builder()
        .message_id(Some(out.message_id.clone()))
        .from(Mailbox::new(from_name, addr(&id.from_address)?))
        .to(Mailbox::new(None, addr(&out.recipient)?))
        .subject(out.subject.clone())
        .date_now();
    if let Some(r) =
        id.reply_to.as_deref().filter(|r| !r.trim().is_empty() && r.trim() != id.from_address.trim())
    {
        b = b.reply_to(Mailbox::new(None, addr(r)?));
    }
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(out.body.clone());
    let built = if attachments.is_empty() {
        b.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in attachments {
            let ct = ContentType::parse(&a.content_type)
                .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("valid MIME type"));
            parts = parts.singlepart(MailAttachment::new(a.filename.clone()).body(a.content.clone(), ct));
        }
        b.multipart(parts)
    };
    built.map_err(|e| e.to_string())
}
