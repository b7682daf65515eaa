"""A real SMTP server for Sportello's tests (aiosmtpd from PyPI).

Listens on 127.0.0.1:PORT (argv[1]); prints "READY" once listening, then one JSON line per
message received: {"to": [...], "subject": "...", "body": "...", "calendars": [...]}. Each
text/calendar part is read by the icalendar library from PyPI (RFC 5545) when it is installed:
its method, and per event uid, sequence, status, start, end (UTC, ISO 8601) and summary — or
"error" if the library refused it. Stops when stdin closes.
"""
import email
import email.policy
import json
import sys

from aiosmtpd.controller import Controller


def calendar(part):
    """A calendar part as the reference parser reads it."""
    raw = part.get_payload(decode=True)
    out = {"content_type": str(part["content-type"]), "filename": part.get_filename()}
    try:
        import icalendar
    except ImportError:
        out["error"] = "icalendar is not installed"
        return out
    try:
        cal = icalendar.Calendar.from_ical(raw)
        out["method"] = str(cal.get("method", ""))
        out["version"] = str(cal.get("version", ""))
        out["events"] = [{
            "uid": str(e.get("uid")),
            "sequence": int(e.get("sequence", 0)),
            "status": str(e.get("status", "")),
            "start": e.decoded("dtstart").isoformat(),
            "end": e.decoded("dtend").isoformat(),
            "summary": str(e.get("summary", "")),
            "location": str(e.get("location", "")),
            "attendee": str(e.get("attendee", "")),
        } for e in cal.walk("VEVENT")]
    except Exception as e:  # the parser's refusal is the test's finding
        out["error"] = repr(e)
    return out


class Print:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        calendars = [calendar(part) for part in message.walk()
                     if part.get_content_type() == "text/calendar"]
        print(json.dumps({
            "to": list(envelope.rcpt_tos),
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "body": body.get_content() if body is not None else "",
            "calendars": calendars,
        }), flush=True)
        return "250 Message accepted for delivery"


def main():
    controller = Controller(Print(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
