"""Alembic environment: uses the engine handed over by ``constable.store.migrations``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import constable.models  # noqa: F401  (registers every area's tables on Base.metadata)
from constable.store.base import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")

if engine is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("run migrations through `constable db upgrade`, which names the store")
    from constable.store.engine import make_engine

    engine = make_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
