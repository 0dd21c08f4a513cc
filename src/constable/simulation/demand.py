"""Demand: a seeded generator of contacts calibrated to the force.

A :class:`DemandCalibration` says how many calls of each channel arrive a day, how they spread
over the hours and the days of the week, which neighbourhoods they come from (residents, weighted
up in urban areas where crime is higher), what they are about (opening category), how urgent
(grade) and how long they take to handle and to deal with at the scene. Kent's ships in
``simulation/data/demand/kent.yaml``; :mod:`constable.simulation.calibrate` refits one from the
incidents in the store.

:func:`generate_day` turns a calibration into one day of contacts as arrays, from a NumPy
generator: the same generator state always gives the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import Field, field_validator, model_validator

from constable.control.triage import TriageError, load_rules
from constable.simulation import SimulationError
from constable.simulation.geography import JITTER_LIMIT, FloatArray, Geography, IntArray
from constable.simulation.validation import Strict, check_shares, merge, read_yaml, validate

CHANNELS = ("999", "101")
"""The channels simulated, in the order of the arrays' ``channel`` codes (0 and 1)."""
DAY = 86_400


class CategoryMix(Strict):
    """One opening category of a channel: its share, grades and times."""

    category: str
    share: float = Field(ge=0)
    grades: list[float] = Field(min_length=4, max_length=4, description="shares of grades 1-4")
    handle_seconds: float = Field(gt=0, description="mean call handling time")
    on_scene_minutes: float = Field(gt=0, description="mean time at the scene")

    @field_validator("grades")
    @classmethod
    def _grades(cls, value: list[float]) -> list[float]:
        check_shares(value, "grades")
        return value


class ChannelDemand(Strict):
    """Calls of one channel."""

    per_day: float = Field(ge=0)
    hourly: list[float] = Field(min_length=24, max_length=24)
    categories: list[CategoryMix] = Field(min_length=1)
    handle_cv: float = Field(default=0.6, gt=0, description="spread of handling times")
    patience_seconds: float | None = Field(
        default=None, gt=0, description="mean wait before a caller hangs up; none: never"
    )
    callback_share: float = Field(default=0.0, ge=0, le=1)
    callback_seconds: float = Field(default=60.0, gt=0)
    open_after_seconds: float | None = Field(
        default=None, ge=0, description="incident opened this long after answer; none: at the end"
    )

    @field_validator("hourly")
    @classmethod
    def _hourly(cls, value: list[float]) -> list[float]:
        check_shares(value, "the hourly profile")
        return value

    @model_validator(mode="after")
    def _categories(self) -> ChannelDemand:
        check_shares([c.share for c in self.categories], "the category shares")
        names = [c.category for c in self.categories]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"categories repeated: {', '.join(repeated)}")
        return self

    def mean_handle_seconds(self) -> float:
        """Mean handling time over the category mix."""
        return sum(c.share * c.handle_seconds for c in self.categories)


class DemandCalibration(Strict):
    """A force's demand, every figure with its source in the file's comments."""

    force: str
    source: str = ""
    weekday: list[float] = Field(min_length=7, max_length=7, description="Monday first")
    urban_weight: float = Field(default=1.0, gt=0)
    district_shares: dict[str, float] | None = Field(
        default=None, description="each district's share of demand; default residents (urban x)"
    )
    on_scene_cv: float = Field(default=0.8, gt=0)
    channels: dict[str, ChannelDemand]

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: list[float]) -> list[float]:
        check_shares(value, "the weekday profile")
        return value

    @model_validator(mode="after")
    def _known(self) -> DemandCalibration:
        unknown = sorted(set(self.channels) - set(CHANNELS))
        if unknown or not self.channels:
            raise ValueError(
                f"channels must be among {', '.join(CHANNELS)} "
                f"(found {', '.join(unknown) or 'none'})"
            )
        if self.district_shares is not None:
            check_shares(list(self.district_shares.values()), "the district shares")
        triage = load_rules()
        for channel, demand in self.channels.items():
            for mix in demand.categories:
                try:
                    triage.category(mix.category)
                except TriageError as exc:
                    raise ValueError(f"channel {channel}: {exc}") from None
        return self

    def calls_per_day(self) -> dict[str, float]:
        """Calls a day by channel."""
        return {c: d.per_day for c, d in self.channels.items()}


def shipped_calibration(force: str) -> Path:
    """The path of a force's shipped demand calibration."""
    folder = resources.files("constable.simulation") / "data" / "demand"
    path = Path(str(folder / f"{force}.yaml"))
    if not path.is_file():
        raise SimulationError(f"no demand calibration ships for force {force!r}")
    return path


def load_calibration(
    name_or_path: str | Path, changes: dict[str, Any] | None = None
) -> DemandCalibration:
    """A calibration: a shipped force's code or a YAML file, with ``changes`` laid over it."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and not path.exists():
        path = shipped_calibration(str(name_or_path))
    raw = read_yaml(path)
    if changes:
        raw = merge(raw, changes)
    return validate(DemandCalibration, raw, str(path))


def dump_calibration(calibration: DemandCalibration) -> str:
    """The calibration as YAML."""
    return yaml.safe_dump(
        calibration.model_dump(mode="json", exclude_none=True), sort_keys=False, width=100
    )


@dataclass(frozen=True)
class Tables:
    """A calibration prepared for drawing: category and grade tables per channel, the
    neighbourhood weights."""

    categories: tuple[str, ...]
    channel_categories: tuple[IntArray, ...]
    channel_category_p: tuple[FloatArray, ...]
    grade_cumulative: tuple[FloatArray, ...]
    handle_mean: tuple[FloatArray, ...]
    on_scene_mean: tuple[FloatArray, ...]
    neighbourhood_p: FloatArray


def prepare(
    calibration: DemandCalibration,
    geography: Geography,
    district_demand: dict[str, float] | None = None,
) -> Tables:
    """Tables for :func:`generate_day`; ``district_demand`` multiplies districts' demand."""
    names: list[str] = []
    for channel in CHANNELS:
        for mix in (
            calibration.channels[channel].categories if channel in calibration.channels else []
        ):
            if mix.category not in names:
                names.append(mix.category)
    chan_cat, chan_p, grade_cum, handle, scene = [], [], [], [], []
    for channel in CHANNELS:
        mixes = calibration.channels[channel].categories if channel in calibration.channels else []
        chan_cat.append(np.array([names.index(m.category) for m in mixes], dtype=np.int64))
        shares = np.array([m.share for m in mixes], dtype=float)
        chan_p.append(shares / shares.sum() if len(shares) else shares)
        grades = np.array([m.grades for m in mixes], dtype=float).reshape(-1, 4)
        cumulative = np.cumsum(grades / grades.sum(axis=1, keepdims=True), axis=1)
        cumulative[:, -1] = 1.0
        grade_cum.append(cumulative)
        handle.append(np.array([m.handle_seconds for m in mixes], dtype=float))
        scene.append(np.array([m.on_scene_minutes * 60 for m in mixes], dtype=float))
    weights: FloatArray = (
        geography.population * np.where(geography.urban, calibration.urban_weight, 1.0)
    ).astype(float)
    district_weight = np.ones(geography.districts)
    if calibration.district_shares is not None:
        wanted = {geography.index(n): s for n, s in calibration.district_shares.items()}
        for d in range(geography.districts):
            inside = weights[geography.district == d].sum()
            district_weight[d] = wanted.get(d, 0.0) / inside if inside else 0.0
    for name, factor in (district_demand or {}).items():
        district_weight[geography.index(name)] *= factor
    weights = weights * district_weight[geography.district]
    if weights.sum() <= 0:
        raise SimulationError("no neighbourhood has any demand: check the district shares")
    return Tables(
        categories=tuple(names),
        channel_categories=tuple(chan_cat),
        channel_category_p=tuple(chan_p),
        grade_cumulative=tuple(grade_cum),
        handle_mean=tuple(handle),
        on_scene_mean=tuple(scene),
        neighbourhood_p=weights / weights.sum(),
    )


@dataclass(frozen=True)
class Contacts:
    """A day's contacts in time order, one row per contact."""

    time: FloatArray  # seconds from the start of the run
    channel: IntArray  # index into CHANNELS
    category: IntArray  # index into Tables.categories
    grade: IntArray  # 1-4
    neighbourhood: IntArray  # index into the geography's neighbourhoods
    easting: FloatArray
    northing: FloatArray
    handle: FloatArray  # seconds
    on_scene: FloatArray  # seconds
    patience: FloatArray  # seconds (inf: never hangs up)

    def __len__(self) -> int:
        return len(self.time)


def _gamma(rng: np.random.Generator, mean: FloatArray, cv: float) -> FloatArray:
    """Gamma-distributed times with the given means and coefficient of variation (cv 1 is the
    exponential)."""
    shape = 1 / (cv * cv)
    return rng.gamma(shape, 1.0, size=len(mean)) * (mean / shape)


def generate_day(
    calibration: DemandCalibration,
    tables: Tables,
    geography: Geography,
    *,
    day: int,
    weekday: int,
    rng: np.random.Generator,
    growth: float = 1.0,
) -> Contacts:
    """Day ``day`` of a run (0 first), a ``weekday`` (0 Monday): Poisson arrivals hour by
    hour at the calibrated rates times ``growth``, each contact's category, grade, place and
    times drawn from the calibration."""
    parts: list[dict[str, Any]] = []
    for code, channel in enumerate(CHANNELS):
        demand = calibration.channels.get(channel)
        if demand is None or demand.per_day == 0:
            continue
        expected = demand.per_day * growth * calibration.weekday[weekday] * 7
        counts = rng.poisson(expected * np.asarray(demand.hourly) / sum(demand.hourly))
        n = int(counts.sum())
        hours = np.repeat(np.arange(24), counts)
        time = day * DAY + (hours + rng.random(n)) * 3600
        which = rng.choice(
            len(tables.channel_categories[code]), size=n, p=tables.channel_category_p[code]
        )
        u = rng.random(n)
        grade = (u[:, None] > tables.grade_cumulative[code][which]).sum(axis=1) + 1
        patience = (
            rng.exponential(demand.patience_seconds, size=n)
            if demand.patience_seconds is not None
            else np.full(n, np.inf)
        )
        parts.append(
            {
                "time": time,
                "channel": np.full(n, code, dtype=np.int64),
                "category": tables.channel_categories[code][which],
                "grade": grade.astype(np.int64),
                "handle": _gamma(rng, tables.handle_mean[code][which], demand.handle_cv),
                "on_scene": _gamma(rng, tables.on_scene_mean[code][which], calibration.on_scene_cv),
                "patience": patience,
            }
        )
    if not parts:
        empty = np.empty(0)
        ints = np.empty(0, dtype=np.int64)
        return Contacts(empty, ints, ints, ints, ints, empty, empty, empty, empty, empty)
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["time"], kind="stable")
    merged = {key: value[order] for key, value in merged.items()}
    n = len(order)
    where = rng.choice(len(tables.neighbourhood_p), size=n, p=tables.neighbourhood_p)
    spread = geography.jitter[where]
    offset = np.clip(rng.standard_normal((2, n)), -JITTER_LIMIT, JITTER_LIMIT) * spread
    return Contacts(
        neighbourhood=where.astype(np.int64),
        easting=geography.easting[where] + offset[0],
        northing=geography.northing[where] + offset[1],
        **merged,
    )
