"""Community alert messages and the force's outgoing mail server (the I/O edge of alerts).

Every subscriber gets a message of their own, addressed to them alone (no shared To or Cc),
with their own one-click unsubscribe link in the text and in the ``List-Unsubscribe`` header
(RFC 2369, with RFC 8058's ``List-Unsubscribe-Post`` for one click). Messages go out over one
SMTP connection (:class:`Outbox`); a message the server refuses is that recipient's failure, a
connection that breaks stops the send (it can be resumed).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email import policy, quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from types import TracebackType

from constable.config import Settings
from constable.errors import ConstableError
from constable.store.base import utcnow


class MailError(ConstableError):
    """Mail cannot be sent: no server configured, or the server cannot be used."""

    status = 503


class MessageRefused(Exception):
    """The server refused one message (for one recipient); the connection is still usable."""


@dataclass(frozen=True)
class MailServer:
    """How to reach the force's outgoing mail server."""

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailServer:
        """The server named by ``CONSTABLE_SMTP_*``, or :class:`MailError` when none is."""
        if not settings.smtp_host:
            raise MailError(
                "no outgoing mail server is configured: set CONSTABLE_SMTP_HOST (and "
                "CONSTABLE_SMTP_PORT, CONSTABLE_SMTP_USER, CONSTABLE_SMTP_PASSWORD as needed)"
            )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            user=settings.smtp_user,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            timeout=settings.smtp_timeout,
        )


def _one_address(text: str, setting: str) -> tuple[str, str]:
    found = [(name, address) for name, address in getaddresses([text]) if address]
    if len(found) != 1 or "@" not in found[0][1]:
        raise MailError(f"{setting} {text!r} is not one email address")
    return found[0]


@dataclass(frozen=True)
class Sender:
    """Who alerts come from and where replies go."""

    from_header: str
    envelope_from: str
    reply_to: str | None
    domain: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Sender:
        """The From and Reply-To of ``CONSTABLE_ALERT_FROM``/``_REPLY_TO``, checked."""
        if not settings.alert_from:
            raise MailError(
                "alerts have no sender: set CONSTABLE_ALERT_FROM, e.g. "
                "'Kent Police <alerts@kent.police.uk>'"
            )
        name, address = _one_address(settings.alert_from, "CONSTABLE_ALERT_FROM")
        reply_to = None
        if settings.alert_reply_to:
            reply_name, reply_address = _one_address(
                settings.alert_reply_to, "CONSTABLE_ALERT_REPLY_TO"
            )
            reply_to = str(Address(display_name=reply_name, addr_spec=reply_address))
        return cls(
            from_header=str(Address(display_name=name, addr_spec=address)),
            envelope_from=address,
            reply_to=reply_to,
            domain=address.rpartition("@")[2],
        )


@dataclass(frozen=True)
class AlertText:
    """What every copy of one alert says (the parts that are the same for everyone)."""

    reference: str
    subject: str
    body: str
    topic_label: str
    district_name: str
    district_slug: str
    areas: str
    contact_phone: str = "101"


def text_of(alert: AlertText, unsubscribe_url: str) -> str:
    """The plain-text body of one subscriber's copy."""
    return (
        f"{alert.body.strip()}\n\n"
        "----\n"
        "Do you have information? Reply to this email: your reply goes to the "
        f"{alert.district_name} team. Or call {alert.contact_phone} quoting {alert.reference}. "
        "In an emergency always call 999.\n\n"
        f"You get this because you signed up for {alert.topic_label} for {alert.areas}.\n"
        f"Unsubscribe with one click: {unsubscribe_url}\n"
    )


MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
"""CRLF line ends, and lines up to SMTP's limit: a ``List-Unsubscribe`` link stays one unbroken
``<URL>`` (a shorter limit would encode it, and mail programs could no longer follow it)."""


def _encoding(text: str) -> str:
    """7bit for ASCII text with lines SMTP accepts; quoted-printable otherwise."""
    plain = text.isascii() and all(len(line) <= 998 for line in text.splitlines())
    return "7bit" if plain else "quoted-printable"


def message_for(
    alert: AlertText,
    *,
    sender: Sender,
    to: str,
    unsubscribe_url: str,
    delivery_id: int,
    date: dt.datetime | None = None,
) -> EmailMessage:
    """One subscriber's copy: addressed to them alone, with their unsubscribe link."""
    # Made under SMTP's policy (quoted-printable lines of 76), sent under MAIL_POLICY.
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender.from_header
    message["To"] = to
    if sender.reply_to:
        message["Reply-To"] = sender.reply_to
    message["Subject"] = alert.subject
    message["Date"] = format_datetime(date or utcnow())
    # The reference in the Message-ID comes back in a reply's In-Reply-To: it finds its alert.
    message["Message-ID"] = f"<{alert.reference}.{delivery_id}@{sender.domain}>"
    message["List-Id"] = (
        f"{alert.district_name} alerts <{alert.district_slug}.alerts.{sender.domain}>"
    )
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Out-of-office responders must not answer (RFC 3834): their replies are not intelligence.
    message["Auto-Submitted"] = "auto-generated"
    message["Precedence"] = "bulk"
    message["X-Constable-Alert"] = alert.reference
    text = text_of(alert, unsubscribe_url)
    message.set_content(text, cte=_encoding(text))
    return message


_TO = "subscriber@recipient.invalid"
_URL = "https://unsubscribe.invalid/link"
_ID = "999999999999"


class MessageTemplate:
    """Every copy of one alert, made fast: the message is built once by :func:`message_for`
    with stand-ins for the address, the delivery number and the link, and each copy swaps in
    its own (the same bytes :func:`message_for` makes, at a fraction of the cost).
    """

    def __init__(self, alert: AlertText, sender: Sender, date: dt.datetime | None = None) -> None:
        probe = message_for(
            alert,
            sender=sender,
            to=_TO,
            unsubscribe_url=_URL,
            delivery_id=int(_ID),
            date=date or utcnow(),
        )
        head, _, _ = wire(probe).partition(b"\r\n\r\n")
        self._head = head.decode("ascii")
        self._text = text_of(alert, _URL)
        self._quoted = probe["Content-Transfer-Encoding"] == "quoted-printable"
        self._id = f"<{alert.reference}.{_ID}@"

    def render(self, *, to: str, unsubscribe_url: str, delivery_id: int) -> bytes:
        """One subscriber's copy, ready for the wire."""
        head = (
            self._head.replace(_TO, to, 1)
            .replace(self._id, self._id.replace(_ID, str(delivery_id)), 1)
            .replace(_URL, unsubscribe_url, 1)
        )
        text = self._text.replace(_URL, unsubscribe_url)
        if self._quoted:
            # As the email package encodes it (under SMTP's policy), so both paths agree.
            lines = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
            encoded = quoprimime.body_encode(
                lines.decode("latin-1"), policy.SMTP.max_line_length or 78
            )
            body = encoded.replace("\n", "\r\n").encode("ascii")
        else:
            body = text.replace("\n", "\r\n").encode("ascii")
        return head.encode("ascii") + b"\r\n\r\n" + body


def wire(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP."""
    return message.as_bytes(policy=MAIL_POLICY)


def _said(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


class Outbox:
    """One connection to the mail server, used as a context manager.

    ``send`` raises :class:`MessageRefused` when the server refuses that message, and
    :class:`MailError` when the connection is lost or cannot be made.
    """

    def __init__(self, server: MailServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Outbox:
        server = self.server
        try:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        except OSError as exc:
            raise MailError(
                f"cannot reach the mail server {server.host}:{server.port}: {exc}"
            ) from exc
        try:
            smtp.ehlo()
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, server.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise MailError(
                f"the mail server {server.host}:{server.port} refused us: {exc}"
            ) from exc
        self._smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, envelope_from: str, to: str, message: bytes) -> None:
        """Hand one message for one recipient to the server."""
        if self._smtp is None:
            raise MailError("the outbox is not open")
        try:
            self._smtp.sendmail(envelope_from, [to], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise MessageRefused(f"{code} {_said(text)}") from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            if exc.smtp_code >= 500:
                raise MessageRefused(f"{exc.smtp_code} {_said(exc.smtp_error)}") from exc
            raise MailError(f"the mail server deferred a message: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"the connection to the mail server broke: {exc}") from exc
