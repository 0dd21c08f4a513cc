"""Settings, read once from the environment (``CONSTABLE_*``) and cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///constable.db"


class Settings(BaseSettings):
    """Process-wide settings. Every field can be set as ``CONSTABLE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CONSTABLE_")

    database_url: str = DEFAULT_DATABASE_URL
    """Where the records live: an SQLAlchemy URL (SQLite file or PostgreSQL)."""

    force: str = "kent"
    """The force the pages show when none is named."""

    import_batch_rows: int = 5000
    """Rows written per batch by the importers (memory is bounded by this, not by file size)."""


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
