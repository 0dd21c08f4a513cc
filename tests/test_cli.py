"""The `constable` command, run in-process and as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from constable.cli import main
from constable.config import get_settings
from constable.ingest import sources

DATA = Path(__file__).parent / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_force_build_and_show_json(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    code, out, _ = run(capsys, "--db", database_url, "force", "build", "kent")
    assert code == 0 and "13 districts" in out
    code, out, _ = run(capsys, "--db", database_url, "force", "show", "kent", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["districts"]) == 13
    assert data["population"] == sum(d["population"] for d in data["districts"]) == 1_727_665
    for district in data["districts"]:
        assert {"name", "population", "hectares", "neighbourhoods"} <= district.keys()
        assert isinstance(district["neighbourhoods"], int)
    code, out, _ = run(capsys, "--db", database_url, "force", "show", "kent")
    assert code == 0 and "Tunbridge Wells" in out and "1,727,665" in out


def test_import_police_uk_json_and_refusal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("2019-01-test-force-street.csv", "2019-01-kent-stop-and-search.csv"):
        shutil.copy(DATA / name, folder / name)
    code, out, _ = run(capsys, "--db", db, "import", "police-uk", str(folder), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["rows_added"] == 9 and len(payload["files"]) == 2
    code, out, _ = run(capsys, "--db", db, "import", "police-uk", str(folder), "--json")
    assert json.loads(out)["rows_added"] == 0

    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "2019-01-test-force-street.csv").read_text().replace("2019-01", "Jan"))
    code, out, err = run(capsys, "--db", db, "import", "police-uk", str(bad))
    assert code == 1
    assert "bad.csv, line 2, column 'Month': 'Jan' is not a month" in " ".join(err.split())


def test_crimes_summary_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run(capsys, "--db", db, "import", "police-uk", str(sources.west_yorkshire_street()[2]))
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "crimes",
        "summary",
        "--force",
        "West Yorkshire",
        "--month",
        "2018-07",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert (
        data["total"] == 31_635 == sum(data["by_type"].values()) == sum(data["by_outcome"].values())
    )
    assert data["by_type"]["Anti-social behaviour"] == data["by_outcome"]["No outcome recorded"]
    code, _, err = run(capsys, "--db", db, "crimes", "summary", "--force", "Kent")
    assert code == 1 and "no crimes for force 'Kent'" in err
    code, _, err = run(
        capsys, "--db", db, "crimes", "summary", "--force", "West Yorkshire", "--month", "July"
    )
    assert code == 1 and "is not a month written YYYY-MM" in err


def test_unknown_things_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    code, _, err = run(capsys, "--db", db, "force", "show", "kent")
    assert code == 1 and "none is built" in err
    code, _, err = run(capsys, "--db", db, "force", "build", "atlantis")
    assert code == 1 and "no force 'atlantis' ships" in err
    code, _, err = run(capsys, "--db", db, "import", "police-uk", str(tmp_path / "nowhere.csv"))
    assert code == 1 and "no such file or folder" in err


def test_the_database_url_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSTABLE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    get_settings.cache_clear()
    try:
        code, out, _ = run(capsys, "db", "upgrade")
    finally:
        get_settings.cache_clear()
    assert code == 0 and "upgraded from empty" in out
    assert (tmp_path / "env.db").exists()


def test_the_default_database_is_constable_db_in_the_working_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CONSTABLE_DATABASE_URL"}
    script = Path(sys.executable).parent / "constable"
    result = subprocess.run(
        [str(script), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "constable.db").exists()
    result = subprocess.run(
        [str(script), "force", "show", "kent"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Error:" in result.stderr and "Traceback" not in result.stderr


def test_users_add_reads_the_password_from_a_file_and_checks_the_district(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run(capsys, "--db", db, "force", "build", "kent")
    secret = tmp_path / "password.txt"
    secret.write_text("a long enough password\n")
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "users",
        "add",
        "sam",
        "--role",
        "district_commander",
        "--district",
        "Sevenoaks",
        "--password-file",
        str(secret),
    )
    assert code == 0 and "Created sam, district commander of Sevenoaks" in out
    code, _, err = run(
        capsys,
        "--db",
        db,
        "users",
        "add",
        "sam",
        "--role",
        "analyst",
        "--password-file",
        str(secret),
    )
    assert code == 1 and "already exists" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "users",
        "add",
        "kim",
        "--role",
        "district_commander",
        "--password-file",
        str(secret),
    )
    assert code == 1 and "needs --district" in err
    code, _, err = run(
        capsys,
        "--db",
        db,
        "users",
        "add",
        "lee",
        "--role",
        "analyst",
        "--district",
        "Narnia",
        "--password-file",
        str(secret),
    )
    assert code == 1 and "no district 'Narnia'" in err
    short = tmp_path / "short.txt"
    short.write_text("short")
    code, _, err = run(
        capsys,
        "--db",
        db,
        "users",
        "add",
        "max",
        "--role",
        "analyst",
        "--password-file",
        str(short),
    )
    assert code == 1 and "at least 12 characters" in err


def test_users_add_reads_standard_input(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    script = Path(sys.executable).parent / "constable"
    result = subprocess.run(
        [str(script), "--db", db, "users", "add", "ada", "--role", "call_handler"],
        input="a long enough password\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Created ada, call handler." in result.stdout


def test_usage_mistakes_are_told_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "hotspots", "forecast", "--method", "naive")
    assert code == 2
    assert "Missing option '--train-from'" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "no-such-command")
    assert code == 2
    assert "No such command 'no-such-command'" in err
