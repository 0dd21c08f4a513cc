"""Who is on duty: the force's shift rota, in local (UK) time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from constable.force.config import ShiftPeriod, ShiftRota

LOCAL = ZoneInfo("Europe/London")


def _period_covers(period: ShiftPeriod, day: dt.date, at: dt.datetime) -> bool:
    hours, minutes = (int(part) for part in period.start.split(":"))
    start = dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=LOCAL)
    return start <= at < start + dt.timedelta(hours=period.hours)


def shifts_on_duty(rota: ShiftRota, at: dt.datetime) -> set[str]:
    """The shifts working at ``at`` (a night that began yesterday still counts)."""
    local = at.astimezone(LOCAL)
    start = dt.date.fromisoformat(rota.cycle_start)
    working: set[str] = set()
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        row = rota.days[(day - start).days % len(rota.days)]
        for period, shift in zip(rota.periods, row, strict=True):
            if shift != "-" and _period_covers(period, day, local):
                working.add(shift)
    return working


def on_duty(rota: ShiftRota, shift: str | None, at: dt.datetime) -> bool:
    """Whether a unit of ``shift`` (None: a day-working team) is on duty at ``at``."""
    if shift is None:
        local = at.astimezone(LOCAL)
        return _period_covers(rota.day_working, local.date(), local)
    return shift in shifts_on_duty(rota, at)
