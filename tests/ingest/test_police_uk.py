"""Reading data.police.uk files: kinds, validation and the errors users see."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from constable.ingest.errors import ImportFileError, ImportRowError
from constable.ingest.police_uk import FileKind, force_from_filename, open_file

DATA = Path(__file__).parent.parent / "data"
STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
)
GOOD_ROW = (
    "abc,2018-07,West Yorkshire Police,West Yorkshire Police,-1.55,53.59,On or near X,"
    "E01007359,Barnsley 005C,Burglary,Under investigation,\n"
)


def records(text: str, name: str = "test-street.csv") -> list[dict[str, object]]:
    opened = open_file(Path(name), io.BytesIO(text.encode()))
    return list(opened.records())


def test_kinds_are_recognised_by_header() -> None:
    for name, kind in (
        ("2019-01-test-force-street.csv", FileKind.STREET),
        ("2019-02-test-force-outcomes.csv", FileKind.OUTCOMES),
        ("2019-01-kent-stop-and-search.csv", FileKind.STOP_SEARCH),
    ):
        with (DATA / name).open("rb") as handle:
            assert open_file(DATA / name, handle).kind is kind


def test_a_street_row_becomes_a_crime_record() -> None:
    [record] = records(STREET_HEADER + GOOD_ROW)
    assert record["force"] == "West Yorkshire"
    assert record["category"] == "Burglary"
    assert record["record_key"] == "abc"
    assert str(record["month"]) == "2018-07-01"
    assert record["longitude"] == -1.55


def test_rows_without_a_location_are_kept() -> None:
    row = GOOD_ROW.replace("-1.55,53.59,On or near X,E01007359,Barnsley 005C", ",,No Location,,")
    [record] = records(STREET_HEADER + row)
    assert record["longitude"] is None and record["lsoa_code"] is None


def test_identical_rows_without_an_id_are_distinct_records() -> None:
    row = GOOD_ROW.replace("abc,", ",", 1).replace("Burglary", "Anti-social behaviour")
    found = records(STREET_HEADER + row * 3)
    assert len({r["record_key"] for r in found}) == 3


def test_a_bad_month_names_the_file_line_column_and_value() -> None:
    text = STREET_HEADER + GOOD_ROW + GOOD_ROW.replace("2018-07", "2018-13")
    with pytest.raises(ImportRowError) as caught:
        records(text, "bad.csv")
    error = caught.value
    assert (error.path, error.line, error.column, error.value) == ("bad.csv", 3, "Month", "2018-13")
    assert "bad.csv, line 3, column 'Month': '2018-13' is not a month written YYYY-MM" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("-1.55,53.59", "-1.55,", "Latitude"),
        ("-1.55,53.59", "west,53.59", "Longitude"),
        ("-1.55,53.59", "-1.55,95.0", "Latitude"),
        ("E01007359", "Barnsley", "LSOA code"),
        ("Burglary", "Burglery", "Crime type"),
    ],
)
def test_bad_values_are_refused(old: str, new: str, column: str) -> None:
    with pytest.raises(ImportRowError) as caught:
        records(STREET_HEADER + GOOD_ROW.replace(old, new))
    assert caught.value.column == column
    assert caught.value.line == 2


def test_a_truncated_row_is_refused_with_its_line() -> None:
    text = STREET_HEADER + GOOD_ROW * 2 + GOOD_ROW[:40]
    with pytest.raises(ImportRowError) as caught:
        records(text)
    assert caught.value.line == 4
    assert "fields where the header has 12" in str(caught.value)


def test_an_unterminated_quote_is_refused() -> None:
    text = STREET_HEADER + GOOD_ROW + GOOD_ROW.replace("On or near X", '"On or near X')
    with pytest.raises(ImportRowError):
        records(text)


def test_an_unknown_header_says_what_is_missing() -> None:
    with pytest.raises(ImportFileError) as caught:
        records("Crime ID,Month,Colour\nx,2018-07,red\n", "odd.csv")
    message = str(caught.value)
    assert message.startswith("odd.csv: line 1:")
    assert "'Falls within'" in message and "'Colour'" in message


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ImportFileError, match="empty"):
        records("", "empty.csv")


def test_a_byte_order_mark_is_ignored() -> None:
    assert len(records("\ufeff" + STREET_HEADER + GOOD_ROW)) == 1


def test_stop_and_search_takes_its_force_from_the_file_name() -> None:
    assert force_from_filename(Path("2018-07-avon-and-somerset-stop-and-search.csv")) == (
        "Avon and Somerset"
    )
    path = DATA / "2019-01-kent-stop-and-search.csv"
    with path.open("rb") as handle:
        found = list(open_file(path, handle).records())
    assert [r["force"] for r in found] == ["Kent"] * 3
    assert found[0]["outcome_linked_to_object"] is True
    assert found[1]["latitude"] is None
    assert found[2]["operation_name"] == "Operation Test"


def test_stop_and_search_without_a_force_is_refused() -> None:
    path = DATA / "2019-01-kent-stop-and-search.csv"
    with path.open("rb") as handle:
        opened = open_file(Path("searches.csv"), handle)
        with pytest.raises(ImportFileError, match="--force"):
            list(opened.records())
