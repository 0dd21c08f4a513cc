"""A real SMTP server for the alert tests: aiosmtpd on a free loopback port, keeping every
message it accepts (and refusing the addresses it is told to)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server accepted it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    """What the server has accepted, and the recipients it refuses."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse: set[str] = field(default_factory=set)
    drop_after: int | None = None
    """Close the connection instead of accepting the message after this many messages."""
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.drop_after is not None and len(self.received) >= self.drop_after:
                server.transport.close()
                return "421 4.3.0 Closing"
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope went to ``address``."""
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(**options: Any) -> Iterator[Mailbox]:
    """An aiosmtpd server on a free loopback port until the block ends."""
    box = Mailbox(port=free_port(), **options)
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


TOKEN = re.compile(r"token=([A-Za-z0-9_\-.]+)")


def link_token(received: Received) -> str:
    """The token of the link in a message's text."""
    found = TOKEN.search(received.message.get_content())
    assert found is not None, received.message.get_content()
    return found.group(1)


def mail_settings(box: Mailbox) -> dict[str, str]:
    """The ``CONSTABLE_*`` variables that send alerts through ``box``'s server."""
    return {
        "CONSTABLE_SMTP_HOST": box.host,
        "CONSTABLE_SMTP_PORT": str(box.port),
        "CONSTABLE_SMTP_STARTTLS": "false",
        "CONSTABLE_ALERT_FROM": "Kent Police <alerts@kent.police.uk>",
        "CONSTABLE_ALERT_REPLY_TO": "Kent Police <replies@kent.police.uk>",
        "CONSTABLE_PUBLIC_BASE_URL": "https://www.example.police.uk",
        "CONSTABLE_ALERT_BATCH_SIZE": "3",
    }
