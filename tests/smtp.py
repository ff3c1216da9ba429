"""A real SMTP server on 127.0.0.1 (aiosmtpd), for tests that deliver mail.

    with running() as server:
        server.url            # "smtp://127.0.0.1:<port>"
        server.received       # email.message.EmailMessage objects, in arrival order
        server.stop(); server.start()   # down and back, on the same port

`SmtpServer()` alone is a server not yet listening: connections to its port are refused until
`start()`.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """Keeps every message the server accepted."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()  # recipients answered with 550
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, **controller_options) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None
        self.options = controller_options

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        return self.recorder.received

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]

    def start(self) -> "SmtpServer":
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def running(**controller_options) -> Iterator[SmtpServer]:
    """A listening server for the duration of the block."""
    server = SmtpServer(**controller_options).start()
    try:
        yield server
    finally:
        server.stop()
