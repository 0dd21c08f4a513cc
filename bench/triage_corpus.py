"""How well and how fast the triage rules grade realistic calls.

1. The confusion of recommended grades against the strictest grade a supervisor would accept,
   for the development corpora (``tests/data/calls.yaml``, 212 calls; ``calls-voices.yaml``, 100;
   ``calls-logs.yaml`` and ``calls-callers.yaml``, 120 each; ``calls-week.yaml``,
   ``calls-city.yaml``, ``calls-hard.yaml``, ``calls-kent.yaml`` and ``calls-year.yaml``, 150 each:
   the rules were developed on them) and for a held-out set written apart from the rules and
   never used to tune them (``bench/data/calls-holdout-9.yaml``, 150):
   the share graded acceptably, the dangerous misses (a call needing an emergency response
   recommended Grade 3 or 4), under- and over-grading, and how often the suggested category is
   the supervisor's. Each from the caller's words alone and with the category and answers given.
2. The time of one recommendation (words → grade, reasons, the answers that would lower it),
   p50 and p99 over every call, against its baseline in the same process: validating the
   contact's JSON (``ContactCreate``), a cost every contact pays anyway. Goal: p99 under 5 ms.

Run: ``.venv/bin/python bench/triage_corpus.py [--repeats 20]``
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from benchkit import console, percentile, verdict
from constable.control.cli import confusion_table
from constable.control.corpus import load_corpus, score
from constable.control.schemas import ContactCreate
from constable.control.triage import load_rules, recommend

HERE = Path(__file__).parent
DATA = HERE.parent / "tests" / "data"
SETS = {
    "corpus (developed on)": DATA / "calls.yaml",
    "voices (developed on)": DATA / "calls-voices.yaml",
    "logs (developed on)": DATA / "calls-logs.yaml",
    "callers (developed on)": DATA / "calls-callers.yaml",
    "week (developed on)": DATA / "calls-week.yaml",
    "city (developed on)": DATA / "calls-city.yaml",
    "hard (developed on)": DATA / "calls-hard.yaml",
    "kent (developed on)": DATA / "calls-kent.yaml",
    "year (developed on)": DATA / "calls-year.yaml",
    "held out": HERE / "data" / "calls-holdout-9.yaml",
}


def speed(repeats: int) -> None:
    """p50 and p99 of one recommendation against validating the contact's JSON."""
    rules = load_rules()
    calls = [c for path in SETS.values() if path.exists() for c in load_corpus(path)]
    bodies = [
        {"channel": c.channel.value, "description": c.says, "neighbourhood": "E01024445"}
        for c in calls
    ]
    gc.collect()
    gc.disable()
    try:
        took, base = [], []
        for _ in range(repeats):
            for call, body in zip(calls, bodies, strict=True):
                start = time.perf_counter()
                recommend(channel=call.channel, rules=rules, description=call.says)
                took.append(time.perf_counter() - start)
                start = time.perf_counter()
                ContactCreate.model_validate(body)
                base.append(time.perf_counter() - start)
    finally:
        gc.enable()
    p50, p99 = percentile(took, 0.5) * 1000, percentile(took, 0.99) * 1000
    b50, b99 = percentile(base, 0.5) * 1000, percentile(base, 0.99) * 1000
    console.print(
        f"One recommendation over {len(took):,} calls: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"({p99 / b99:.1f}x validating the contact's JSON, p99 {b99:.3f} ms; p50 {b50:.3f} ms). "
        f"Goal p99 < 5 ms: {verdict(p99 < 5)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rules = load_rules()
    console.print(f"Triage rules version {rules.version}")
    for name, path in SETS.items():
        if not path.exists():
            console.print(f"{name}: {path} is missing")
            continue
        calls = load_corpus(path)
        for with_category in (False, True):
            result = score(calls, rules, with_category=with_category, with_answers=with_category)
            console.print(confusion_table(name, result))
    speed(args.repeats)


if __name__ == "__main__":
    main()
