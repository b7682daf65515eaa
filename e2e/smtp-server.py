"""A real SMTP server for Sportello's tests (aiosmtpd from PyPI).

Listens on 127.0.0.1:PORT (argv[1]); prints "READY" once listening, then one JSON line per
message received: {"to": [...], "subject": "...", "body": "..."}. Stops when stdin closes.
"""
import email
import email.policy
import json
import sys

from aiosmtpd.controller import Controller


class Print:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        print(json.dumps({
            "to": list(envelope.rcpt_tos),
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "body": body.get_content() if body is not None else "",
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
