"""The docs are part of the product: generated parts are current, and every command is there."""

from __future__ import annotations

import re
from pathlib import Path

from constable.clidoc import START, render

ROOT = Path(__file__).parents[1]


def test_the_cli_reference_is_current() -> None:
    path = ROOT / "docs" / "cli.md"
    text = path.read_text(encoding="utf-8")
    assert START in text
    assert render(text) == text, "docs/cli.md is out of date: run `python -m constable.clidoc`"


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.split("#")[0].strip() for line in lines[:8] if line.startswith("make ")]
    assert commands == ["make demo", "make test"]


def test_documents_the_readme_links_to_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/cli.md", "docs/data.md", "docs/force-config.md", "docs/pages.md"):
        assert name in readme
        assert (ROOT / name).is_file(), name


def test_every_relative_link_and_picture_in_the_docs_exists() -> None:
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
