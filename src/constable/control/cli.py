"""``constable triage``: the risk questions and a check of triage rules against a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from constable import console

if TYPE_CHECKING:
    from constable.control.corpus import Score

app = typer.Typer(
    help="Call triage: the risk questions and the rules' check.", no_args_is_help=True
)


@app.command("questions")
def questions(
    rules_file: Path | None = typer.Option(None, "--rules", help="A triage rules file (YAML)."),
) -> None:
    """The questions a call handler asks, with their keys, shortcuts and answers.

    Example: constable triage questions
    """
    from constable.control.triage import load_rules

    rules = load_rules(str(rules_file) if rules_file else None)
    table = Table(title=f"Risk questions (rules {rules.version})", title_justify="left")
    for column in ("Key", "Shortcut", "Question", "Answers, most serious first"):
        table.add_column(column)
    for q in rules.questions:
        table.add_row(q.key, q.shortcut.upper(), q.ask, ", ".join(q.choices))
    console.out().print(table)


@app.command("check")
def check(
    corpus: list[Path] = typer.Argument(..., help="Corpus files of calls (YAML)."),
    rules_file: Path | None = typer.Option(None, "--rules", help="A triage rules file (YAML)."),
    with_category: bool = typer.Option(
        False, help="Give each call its category and answers (default: the words alone)."
    ),
    show: int = typer.Option(10, help="List this many calls graded wrongly, dangerous first."),
) -> None:
    """Grade every call of a corpus and report the share graded acceptably, the dangerous
    misses (a call needing Grade 1 recommended 3 or 4) and the confusion of grades. Exits 1 on
    any dangerous miss.

    Example: constable triage check tests/data/calls.yaml --rules my-triage.yaml
    """
    from constable.control.corpus import load_corpus, score
    from constable.control.triage import load_rules

    rules = load_rules(str(rules_file) if rules_file else None)
    dangerous = 0
    for path in corpus:
        result = score(
            load_corpus(path), rules, with_category=with_category, with_answers=with_category
        )
        dangerous += len(result.dangerous)
        console.out().print(confusion_table(f"{path.name} (rules {rules.version})", result))
        wrong = sorted(
            (g for g in result.graded if not g.acceptable),
            key=lambda g: (not g.dangerous, g.call.id),
        )
        for graded in wrong[:show]:
            kind = "DANGEROUS" if graded.dangerous else "wrong"
            acceptable = ", ".join(str(int(g)) for g in graded.call.acceptable)
            console.out().print(
                f"  {kind}: {graded.call.id}: Grade {int(graded.grade)} (acceptable {acceptable}): "
                f"{graded.reasons[0]}"
            )
    if dangerous:
        raise typer.Exit(1)


def confusion_table(name: str, result: Score) -> Table:
    """The strictest acceptable grade of each call (rows) against the recommendation (columns),
    titled with the share graded acceptably and the misses."""
    how = "category and answers given" if result.with_category else "the caller's words alone"
    table = Table(
        title=f"{name}, {how}: {result.acceptable}/{result.total} acceptable "
        f"({result.share:.1%}), {len(result.dangerous)} dangerous misses, "
        f"{len(result.under)} under-graded, {len(result.over)} over-graded"
        + ("" if result.with_category else f", category right {result.categories_right}"),
        title_justify="left",
    )
    table.add_column("needs \\ given")
    for grade in range(1, 5):
        table.add_column(f"Grade {grade}", justify="right")
    for needed in range(1, 5):
        table.add_row(
            f"Grade {needed}",
            *(str(result.confusion.get((needed, given), 0)) for given in range(1, 5)),
        )
    return table
