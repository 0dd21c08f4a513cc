"""Settings, read once from the environment (``CONSTABLE_*``) and cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///constable.db"


class Settings(BaseSettings):
    """Process-wide settings. Every field can be set as ``CONSTABLE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CONSTABLE_")

    database_url: str = DEFAULT_DATABASE_URL
    """Where the records live: an SQLAlchemy URL (SQLite file or PostgreSQL)."""

    force: str = "kent"
    """The force the pages show when none is named."""

    request_body_limit: int = Field(default=1_048_576, ge=1024)
    """The largest request body the app reads, in bytes (1 MiB; docs/security.md)."""

    import_batch_rows: int = 5000
    """Rows written per batch by the importers (memory is bounded by this, not by file size)."""

    # Community alerts (docs/alerts.md): the force's outgoing mail server and the messages' senders.
    smtp_host: str | None = None
    """The outgoing (SMTP) mail server community alerts are sent through; unset: none is sent."""

    smtp_port: int = 587
    """Its port (587 for submission with STARTTLS, 25 for a relay on the force's network)."""

    smtp_starttls: bool = True
    """Whether to switch the connection to TLS (STARTTLS) before signing in and sending."""

    smtp_user: str | None = None
    """The account to sign in to the mail server with (unset: send without signing in)."""

    smtp_password: SecretStr | None = None
    """Its password (from the environment, ``CONSTABLE_SMTP_PASSWORD``; never logged)."""

    smtp_timeout: float = 30.0
    """Seconds to wait for the mail server before giving up."""

    alert_from: str | None = None
    """The From address of community alerts, e.g. ``Kent Police <alerts@kent.police.uk>``."""

    alert_reply_to: str | None = None
    """Where replies go (the address read by ``constable alerts ingest-reply``); unset: From."""

    alert_batch_size: int = 200
    """Messages sent between two records of progress (and all a crash can leave uncertain)."""

    alert_link_hours: int = 48
    """How long a confirmation link is valid."""

    alert_signing_key: SecretStr | None = None
    """The key that signs confirmation and unsubscribe links; unset: one kept in the store."""

    public_base_url: str = "http://127.0.0.1:8000"
    """The site's address as the public reaches it: the start of every link in a message."""

    # Victim care (docs/victims.md).
    victim_update_days: int = 28
    """How often a victim is updated unless they agree otherwise (Victims' Code: 28 days)."""

    victim_referral_service: str = "Victim Support"
    """The support service victims are referred to (the PCC's commissioned service)."""

    victim_referral_channel: Literal["file", "webhook"] = "file"
    """How referrals reach it: a JSON file per referral in a folder, or a signed HTTPS POST."""

    victim_referral_folder: Path = Path("referrals")
    """The folder referral files are written to (made with owner-only access if missing)."""

    victim_referral_url: str | None = None
    """The webhook's address, for the ``webhook`` channel."""

    victim_referral_secret: SecretStr | None = None
    """The key the webhook's HMAC-SHA256 signature is made with, shared with the service."""

    public_max_priorities: int = 3
    """Open priorities a neighbourhood may have at once (agreed at public meetings)."""

    public_suppress_below: int = 3
    """Public crime counts from 1 to this minus one are shown as "fewer than N", never exactly."""

    public_snap_metres: float = 250.0
    """Public maps place crimes at the centre of a square of this size, never where they were."""

    public_months: int = 12
    """Months of crime and ASB the Your Neighbourhood page shows."""

    public_rate_per_second: float = 10.0
    """Requests a second one client address may make to the public pages, on average."""

    public_rate_burst: int = 40
    """Requests one client address may make at once before the rate limit applies."""

    public_cache_seconds: int = 300
    """How long a rendered public page is kept and may be cached by browsers (at most a day)."""

    public_contact_phone: str = "101"
    """The non-emergency number the public pages give (999 is always given for emergencies)."""

    public_report_url: str = "https://www.kent.police.uk/ro/report/"
    """Where the public pages send people to report a crime or ASB online."""

    # Signing in and accounts (docs/security.md). The limits are kept by each server process.
    token_hours: float = Field(12.0, gt=0, le=24 * 30)
    """How long a bearer token or sign-in cookie lasts, in hours (one shift and a bit)."""

    signin_account_failures: int = Field(5, ge=1)
    """Wrong passwords for one username before its sign-ins are refused for a while."""

    signin_address_failures: int = Field(20, ge=1)
    """Wrong passwords from one client address, for any usernames, before the same (more than
    for one username: a control room's staff may all reach the server from one address)."""

    signin_window_seconds: float = Field(900.0, gt=0)
    """Failures are forgotten once this long has passed since the last (and any wait is over)."""

    signin_backoff_seconds: float = Field(60.0, gt=0)
    """The first wait once a limit is reached; each failure after it doubles the wait."""

    signin_backoff_max_seconds: float = Field(3600.0, gt=0)
    """The longest wait."""

    signin_checks_per_second: float = Field(1.0, gt=0)
    """Passwords one server process checks a second at most (scrypt: 32 MiB and a tenth of a
    second of a core each); more wait their turn, so a flood cannot take the cores 999 calls
    need. One a second, in each of two workers, signs a shift of 40 in 20 seconds."""

    signin_concurrent_checks: int = Field(1, ge=1)
    """Passwords one server process checks at once, on threads of their own."""


@lru_cache
def get_settings() -> Settings:
    """The settings of this process (cached; tests clear the cache to change them)."""
    return Settings()


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite://" or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])
