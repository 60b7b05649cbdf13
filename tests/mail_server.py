"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives."""
import email
import socket
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, messages):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        self.messages.append(message)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    def __init__(self):
        self.messages: list = []
        self.port = _free_port()
        self.controller = Controller(_Handler(self.messages), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def body(self, message) -> str:
        payload = message.get_payload(decode=True)
        if payload is None:  # multipart
            payload = message.get_payload(0).get_payload(decode=True)
        return payload.decode(message.get_content_charset() or "utf-8")
