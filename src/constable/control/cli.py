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
    words_model: bool = typer.Option(
        True, help="Use the words model the rules name (--no-words-model: the rules alone)."
    ),
) -> None:
    """Grade every call of a corpus and report the share graded acceptably, the dangerous
    misses (a call needing Grade 1 recommended 3 or 4) and the confusion of grades. Exits 1 on
    any dangerous miss.

    Example: constable triage check tests/data/calls.yaml --rules my-triage.yaml
    """
    from constable.control.corpus import load_corpus, score
    from constable.control.triage import load_rules

    rules = load_rules(str(rules_file) if rules_file else None, words_model=words_model)
    dangerous = 0
    for path in corpus:
        if rules.model is not None and rules.model.was_trained_on(path):
            console.err().print(
                f"{path.name}: the words model was fitted to this file, so its figure is not a "
                "fair test; `constable triage train` reports it graded by a model that never "
                "saw it."
            )
        result = score(
            load_corpus(path), rules, with_category=with_category, with_answers=with_category
        )
        dangerous += len(result.dangerous)
        name = f"{path.name} (rules {rules.version}" + (
            f", {rules.model.version})" if rules.model is not None else ", no words model)"
        )
        console.out().print(confusion_table(name, result))
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


@app.command("train")
def train(
    corpus: list[Path] = typer.Argument(..., help="Corpus files of graded calls (YAML)."),
    out: Path = typer.Option(..., "--out", help="Where to write the model (JSON)."),
    rules_file: Path | None = typer.Option(None, "--rules", help="A triage rules file (YAML)."),
) -> None:
    """Fit the words model to graded calls, after measuring it honestly: each corpus file is
    graded by a model fitted to the other files (leave one file out), with the rules alone
    beside it. The figures are kept in the model file. Needs two corpus files or more.

    Example: constable triage train tests/data/calls*.yaml --out triage-model.json
    """
    from rich.progress import Progress

    from constable.control.corpus import cross_validate, load_corpus
    from constable.control.triage import load_rules
    from constable.control.wording import corpus_entry, fit_model

    rules = load_rules(str(rules_file) if rules_file else None, words_model=False)
    corpora = [(path, load_corpus(path)) for path in corpus]
    with Progress(console=console.err()) as progress:
        task = progress.add_task("Leave one file out", total=len(corpora))
        folds = cross_validate(corpora, rules, done=lambda _: progress.advance(task))
    table = Table(
        title="Each file graded by a model that never saw it, from the caller's words alone",
        title_justify="left",
    )
    for column in ("Corpus", "Calls", "Rules alone", "With the words model", "Dangerous"):
        table.add_column(column, justify="left" if column == "Corpus" else "right")
    for fold in folds:
        table.add_row(
            fold.path.name,
            str(fold.with_model.total),
            f"{fold.rules_alone.share:.1%}",
            f"{fold.with_model.share:.1%}",
            f"{len(fold.with_model.dangerous)} (rules alone {len(fold.rules_alone.dangerous)})",
        )
    total = sum(f.with_model.total for f in folds)
    table.add_row(
        "all",
        str(total),
        f"{sum(f.rules_alone.acceptable for f in folds) / total:.1%}",
        f"{sum(f.with_model.acceptable for f in folds) / total:.1%}",
        str(sum(len(f.with_model.dangerous) for f in folds)),
    )
    console.out().print(table)
    model = fit_model(
        [call for _, calls in corpora for call in calls],
        trained_on=[corpus_entry(path, calls) for path, calls in corpora],
        cross_validation=[fold.as_dict() for fold in folds],
    )
    out.write_text(model.to_json(), encoding="utf-8")
    console.out().print(
        f"Fitted to {total:,} calls: {len(model.vocabulary):,} words and word pairs, "
        f"model {model.version}, written to {out}"
    )


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
