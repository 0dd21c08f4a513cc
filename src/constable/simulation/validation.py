"""Reading YAML into strict models, with errors that name the file, the field and the rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from constable.simulation import SimulationError

Model = TypeVar("Model", bound=BaseModel)

# Sums of shares are checked to this tolerance: a profile written to four decimal places sums
# to one within it.
SHARE_TOLERANCE = 0.002


class Strict(BaseModel):
    """A frozen model that refuses fields it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_shares(values: list[float], what: str) -> None:
    """``values`` are shares of a whole: none negative, summing to one."""
    if any(v < 0 for v in values):
        raise ValueError(f"{what} has a negative share")
    total = sum(values)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise ValueError(f"{what} sums to {total:.4f}, must sum to 1")


def read_yaml(path: Path) -> Any:
    """A YAML file's content, or a :class:`SimulationError` naming the file."""
    if not path.is_file():
        raise SimulationError(f"{path}: no such file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SimulationError(f"{path}: not valid YAML: {exc}") from exc


def validate(model: type[Model], raw: Any, where: str) -> Model:
    """``raw`` as ``model``, or one :class:`SimulationError` listing every problem by field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'top level'}: "
            f"{str(error['msg']).removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise SimulationError(f"{where}: {problems}") from exc


def merge(base: Any, changes: Any) -> Any:
    """``changes`` laid over ``base``: mappings merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(changes, dict):
        merged = dict(base)
        for key, value in changes.items():
            merged[key] = merge(base.get(key), value) if key in base else value
        return merged
    return changes
