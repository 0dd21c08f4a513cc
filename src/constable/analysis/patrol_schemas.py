"""API shapes of patrol plans."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from constable.analysis.patrol import PatrolRules


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanCreate(_In):
    """A shift to plan: where, when, from which forecast, with how much patrol time."""

    district: str = Field(description="the district's slug, name or ONS code")
    day: dt.date = Field(description="the day of the shift")
    shift: str = Field(default="day", description="early, late, night (the rota) or day")
    method: Literal["auto", "naive", "kde", "blend", "prospective", "sepp", "learned"] = "auto"
    cell_size: float = Field(default=150.0, gt=0, le=2000, description="box size in metres")
    history_months: int = Field(default=12, ge=1, le=120)
    history_to: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="the history's last month, YYYY-MM (default: the month before the shift)",
    )
    boxes: int = Field(default=20, ge=1, le=500)
    units: int = Field(default=1, ge=1, le=50)
    minutes_per_unit: float = Field(default=120.0, gt=0, le=24 * 60)
    minutes_per_box: float = Field(default=15.0, gt=0, le=24 * 60)
    speed_kmh: float = Field(default=20.0, gt=0, le=200)
    spacing: int = Field(default=1, ge=0, le=20)
    repeat_discount: float = Field(default=0.5, ge=0, le=1)
    design: Literal["ordinary", "randomised"] = "ordinary"
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    priorities: dict[str, float] | None = Field(
        default=None,
        description=(
            "neighbourhood weights by LSOA code, e.g. {'E01024044': 1.5}; left out, the "
            "district's open neighbourhood priorities (1.5 for one, 2 for two...); {} for none"
        ),
    )

    def rules(self) -> PatrolRules:
        """The patrol rules asked for."""
        return PatrolRules(
            boxes=self.boxes,
            units=self.units,
            minutes_per_unit=self.minutes_per_unit,
            minutes_per_box=self.minutes_per_box,
            speed_kmh=self.speed_kmh,
            spacing=self.spacing,
            repeat_discount=self.repeat_discount,
        )


class VisitCreate(_In):
    """A unit's visit to a box of a plan."""

    cell: str = Field(min_length=3, max_length=40, description="the box's cell id")
    unit: str = Field(min_length=1, max_length=40, description="call sign or unit number")
    arrived_at: AwareDatetime = Field(description="when the unit arrived (with a time zone)")
    minutes: float = Field(gt=0, description="minutes spent in the box")
    note: str | None = Field(default=None, max_length=2000)
