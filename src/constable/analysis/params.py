"""Forecaster parameters given as text (``--param bandwidth=150 --param half_life=none``).

Each value is read as the type of the parameter's default (a float for a default of 200.0 or of
None, a whole number for 8, text for ``"gaussian"``); ``none`` is None where the parameter
allows it. A name the forecaster does not take is refused with the names it does take, so a
typo never runs silently with the default. ``kde.bandwidth=150`` gives a parameter to one method
only, when several are compared.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from constable.analysis.forecasters import Forecaster, ForecastError


def parameter_names(cls: type[Forecaster]) -> list[str]:
    """The parameters ``cls`` takes (every ``__init__`` argument but the grid)."""
    return list(inspect.signature(cls.__init__).parameters)[2:]


def split(text: str) -> tuple[str | None, str, str]:
    """``"kde.bandwidth=150"`` as ``("kde", "bandwidth", "150")``; the method is None when not
    given."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name or not value.strip():
        raise ForecastError(f"--param {text!r}: give name=value, e.g. bandwidth=150")
    method, dot, rest = name.partition(".")
    return (method, rest, value.strip()) if dot else (None, name, value.strip())


def convert(cls: type[Forecaster], name: str, text: str) -> Any:
    """``text`` as a value of ``cls``'s parameter ``name``, or an error naming both."""
    parameters = inspect.signature(cls.__init__).parameters
    names = parameter_names(cls)
    if name not in names:
        raise ForecastError(
            f"--param {name}={text}: {cls.__name__} has no parameter {name!r}; "
            f"its parameters are {', '.join(names)}"
        )
    default = parameters[name].default
    optional = default is None or "None" in str(parameters[name].annotation)
    if text.lower() == "none":
        if optional:
            return None
        raise ForecastError(f"--param {name}=none: {cls.__name__}'s {name} cannot be none")
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float) or default is None:
            return float(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        if isinstance(default, bool):
            kind = "true or false"
        raise ForecastError(
            f"--param {name}={text}: {cls.__name__}'s {name} must be {kind}"
            + (" or none" if optional else "")
        ) from None
    return text


def parse(texts: Sequence[str], methods: dict[str, type[Forecaster]]) -> dict[str, dict[str, Any]]:
    """The parameters of each method from ``--param`` texts.

    ``name=value`` goes to every method that takes ``name`` (an error if none does);
    ``method.name=value`` to that method only (an error if it is not among ``methods``).
    """
    out: dict[str, dict[str, Any]] = {method: {} for method in methods}
    for text in texts:
        method, name, value = split(text)
        if method is not None:
            if method not in methods:
                raise ForecastError(
                    f"--param {text}: {method!r} is not among the methods asked for "
                    f"({', '.join(methods)})"
                )
            out[method][name] = convert(methods[method], name, value)
            continue
        takers = [m for m, cls in methods.items() if name in parameter_names(cls)]
        if not takers:
            first = next(iter(methods.values()))
            if len(methods) == 1:
                convert(first, name, value)  # raises, naming the parameters it takes
            raise ForecastError(
                f"--param {text}: none of {', '.join(methods)} has a parameter {name!r}"
            )
        for method in takers:
            out[method][name] = convert(methods[method], name, value)
    return out
