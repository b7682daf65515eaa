//! The `.ics` invitation (RFC 5545, with the iTIP methods of RFC 5546): one event, its times in
//! UTC, text escaped, lines folded at 75 octets and ended by CRLF.

use time::OffsetDateTime;

/// REQUEST invites (and, with a higher sequence, moves); CANCEL withdraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsMethod {
    Request,
    Cancel,
}

#[derive(Debug, Clone)]
pub struct IcsEvent<'a> {
    pub method: IcsMethod,
    /// Stable for one booking across its moves and its cancellation.
    pub uid: &'a str,
    /// Raised on every change the invitation carries.
    pub sequence: u32,
    pub stamp: OffsetDateTime,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// The office's address (the organiser) and the resident's (the attendee).
    pub organizer: &'a str,
    pub attendee: &'a str,
    /// A moderated booking not yet confirmed is tentative.
    pub tentative: bool,
}

fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// TEXT as RFC 5545 §3.3.11 writes it.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a UTF-8 character (§3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// An address as a `mailto:` URI, with nothing that would break the line's grammar.
fn mailto(address: &str) -> String {
    let clean: String = address
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ';' | ':' | ',' | '"' | ' '))
        .collect();
    format!("mailto:{clean}")
}

/// The invitation's text.
pub fn ics(e: &IcsEvent<'_>) -> String {
    let cancel = e.method == IcsMethod::Cancel;
    let status = if cancel {
        "CANCELLED"
    } else if e.tentative {
        "TENTATIVE"
    } else {
        "CONFIRMED"
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Sportello//Prenotazioni//IT".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("METHOD:{}", if cancel { "CANCEL" } else { "REQUEST" }),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(e.uid)),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.start)),
        format!("DTEND:{}", utc(e.end)),
        format!("SUMMARY:{}", text(e.summary)),
        format!("LOCATION:{}", text(e.location)),
        format!("DESCRIPTION:{}", text(e.description)),
        format!("ORGANIZER:{}", mailto(e.organizer)),
        format!(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT={}:{}",
            if e.tentative {
                "NEEDS-ACTION"
            } else {
                "ACCEPTED"
            },
            mailto(e.attendee)
        ),
        format!("STATUS:{status}"),
        "TRANSP:OPAQUE".to_string(),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}
