"""What the public version of a pack leaves out: small counts and anything personal.

The rule (docs/board-pack.md), following police.uk and ONS practice for published tables:

- a **count** from 1 to :data:`SMALL_COUNT` − 1 (1 to 9) is shown as "fewer than 10", and its
  value is left empty in ``figures.csv``; 0 and counts of 10 or more are shown;
- a **share** whose denominator is below :data:`SMALL_COUNT`, or whose numerator or the rest
  (denominator − numerator) is from 1 to 9, is suppressed the same way (either would let a
  reader work out a small count);
- a **rate** (per 1,000 residents) whose count is from 1 to 9 is suppressed;
- an SPC chart or a monthly series with any suppressed month is left out, with a note;
- sums of money, hours and survey results are not counts of people and are shown.

Personal fields never appear in a public pack: who answers for a measure (``owner``, which
may name a person), and who imported the data or changed a record (user names in the audit
log). Free-text statements that quote a suppressed figure are replaced by a statement that says
the figure is withheld.
"""

from __future__ import annotations

from constable.performance.measures import Value

SMALL_COUNT = 10
"""Counts below this (and above 0) are not published."""

WITHHELD = "fewer than 10"
"""How a suppressed count is shown."""


def small(count: float | None) -> bool:
    """Whether a count is small enough to withhold (1 to 9)."""
    return count is not None and 0 < count < SMALL_COUNT


def value_is_small(value: Value, unit: str) -> bool:
    """Whether a public pack withholds ``value`` (see the module's rule)."""
    if value.value is None:
        return False
    if unit == "share":
        if value.denominator is None or value.numerator is None:
            return False
        if value.denominator < SMALL_COUNT:
            return value.denominator > 0
        return small(value.numerator) or small(value.denominator - value.numerator)
    if unit in ("count", "per_1000"):
        count = value.count if value.count is not None else value.value
        return small(count)
    return False
