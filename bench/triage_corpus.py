"""How well and how fast the triage rules and the words model grade realistic calls.

1. The leave-one-file-out figures kept in the shipped words model: each corpus file of
   ``tests/data/calls*.yaml`` (eleven files, 1,602 calls) graded by the rules alone and by the
   rules with a words model fitted to the other ten files, from the caller's words alone: the
   share graded acceptably and the dangerous misses (a call needing an emergency response
   recommended Grade 3 or 4). The rules were developed on every file, so their figures are
   in-sample; the model's are not. A new set written apart from both (``bench/data/``, when one
   is there) is measured as it is.
2. The confusion of recommended grades against the strictest grade a supervisor would accept,
   for each file, with the shipped rules and model, from the words alone and with the category
   and answers given (in-sample: the rules and the model were developed on these calls).
3. The time of one recommendation (words → grade, reasons, the answers that would lower it,
   with the words model), p50 and p99 over every call, against its baseline in the same
   process: validating the contact's JSON (``ContactCreate``), a cost every contact pays
   anyway. Goal: p99 under 5 ms.

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
SETS = {path.stem: path for path in sorted(DATA.glob("calls*.yaml"))} | {
    f"held out: {path.stem}": path for path in sorted((HERE / "data").glob("calls*.yaml"))
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
    model = rules.model
    console.print(f"Triage rules version {rules.version}, words model {model and model.version}")
    if model is not None:
        for fold in model.cross_validation:
            console.print(
                f"{fold['file']} ({fold['calls']} calls), a model that never saw it: "
                f"{fold['acceptable'] / fold['calls']:.1%} acceptable, {fold['dangerous']} "
                f"dangerous; the rules alone {fold['rules_alone_acceptable'] / fold['calls']:.1%}"
                f", {fold['rules_alone_dangerous']} dangerous"
            )
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
