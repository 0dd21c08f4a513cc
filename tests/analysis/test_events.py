"""Events: times in days, projections, filters, and the CSV reader's errors."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from constable.analysis.events import EPOCH, Events, EventsError, parse_time
from constable.errors import ConstableError
from constable.force.geography import BNG, to_bng

MAIDSTONE = (51.2720, 0.5290)  # latitude, longitude


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Building events --------------------------------------------------------------------------


def test_times_become_days_since_the_epoch() -> None:
    events = Events.from_bng(
        [1.0, 2.0, 3.0],
        [4.0, 5.0, 6.0],
        [dt.datetime(1970, 1, 2, 12), "1970-01-01T06:00", dt.date(1970, 1, 11)],
    )
    # Kept in time order: 0.25 days, 1.5 days, 10 days.
    assert events.t.tolist() == [0.25, 1.5, 10.0]
    assert events.x.tolist() == [2.0, 1.0, 3.0]
    assert events.y.tolist() == [5.0, 4.0, 6.0]
    assert events.crs == BNG and events.epoch == EPOCH and events.has_times


def test_types_and_ids_follow_the_time_order() -> None:
    events = Events.from_bng(
        [0, 0, 0], [0, 0, 0], [3.0, 1.0, 2.0], types=["c", "a", "b"], ids=["3", "1", "2"]
    )
    assert events.types is not None and events.ids is not None
    assert events.types.tolist() == ["a", "b", "c"]
    assert events.ids.tolist() == ["1", "2", "3"]


def test_the_arrays_cannot_be_changed() -> None:
    events = Events.from_bng([1.0], [2.0], [0.0])
    with pytest.raises(ValueError):
        events.x[0] = 5.0


def test_a_given_epoch_is_used() -> None:
    events = Events.from_bng([0], [0], ["2018-07-02"], epoch=dt.datetime(2018, 7, 1))
    assert events.t.tolist() == [1.0]
    assert events.moment(1.5) == dt.datetime(2018, 7, 2, 12)
    assert events.days("2018-06-30") == -1.0


def test_month_only_times_are_moved_to_the_month_start() -> None:
    events = Events.from_bng([0, 0], [0, 0], ["2018-07-14", "2018-08-31T23:00"], has_times=False)
    assert not events.has_times
    assert [events.moment(t) for t in events.t] == [
        dt.datetime(2018, 7, 1),
        dt.datetime(2018, 8, 1),
    ]


def test_offsets_are_converted_to_utc() -> None:
    assert parse_time("2018-07-01T01:30+01:00") == (dt.datetime(2018, 7, 1, 0, 30), False)
    assert parse_time("2018-07-01T00:30Z") == (dt.datetime(2018, 7, 1, 0, 30), False)
    assert parse_time("2018-07") == (dt.datetime(2018, 7, 1), True)


def test_a_time_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(EventsError, match="'July 2018' is not an ISO date"):
        Events.from_bng([0.0], [0.0], ["July 2018"])
    with pytest.raises(EventsError, match="'soon' is not an ISO date"):
        Events.from_bng([0.0], [0.0], [1.0]).before("soon")


def test_different_lengths_are_refused() -> None:
    with pytest.raises(EventsError, match="differ in length"):
        Events.from_bng([1.0, 2.0], [1.0], [0.0, 1.0])


def test_a_nan_coordinate_is_refused_naming_it() -> None:
    with pytest.raises(EventsError, match=r"y\[1\] is nan"):
        Events.from_bng([1.0, 2.0], [1.0, math.nan], [0.0, 1.0])


# --- Projections ------------------------------------------------------------------------------


def test_points_in_great_britain_use_british_national_grid() -> None:
    lat, lon = MAIDSTONE
    events = Events.from_lat_lon([lat, lat + 0.01], [lon, lon], ["2018-07-01", "2018-07-02"])
    assert events.crs == BNG
    east, north = to_bng([lon, lon], [lat, lat + 0.01])
    assert np.allclose(events.x, east) and np.allclose(events.y, north)


def test_points_elsewhere_use_a_local_projection_in_true_metres() -> None:
    # Chicago: two points about 1.6 km apart.
    lats, lons = [41.8781, 41.8881], [-87.6298, -87.6198]
    events = Events.from_lat_lon(lats, lons, ["2018-07-01", "2018-07-02"])
    assert "+proj=aeqd" in events.crs
    projected = math.hypot(events.x[1] - events.x[0], events.y[1] - events.y[0])
    true = Geod(ellps="WGS84").inv(lons[0], lats[0], lons[1], lats[1])[2]
    assert projected == pytest.approx(true, rel=1e-4)


def test_a_local_projection_works_across_the_antimeridian() -> None:
    events = Events.from_lat_lon([-17.0, -17.0], [179.99, -179.99], [0.0, 1.0])
    distance = math.hypot(events.x[1] - events.x[0], events.y[1] - events.y[0])
    assert 2000 < distance < 2200  # 0.02 degrees of longitude at 17 S, not 40,000 km


def test_a_latitude_out_of_range_is_refused() -> None:
    with pytest.raises(EventsError, match="latitude of event 1 is 91"):
        Events.from_lat_lon([51.0, 91.0], [0.5, 0.5], [0.0, 1.0])


# --- Filters ----------------------------------------------------------------------------------


def test_between_is_half_open_and_before_is_strict() -> None:
    events = Events.from_bng([0, 1, 2, 3], [0, 0, 0, 0], [1.0, 2.0, 3.0, 4.0])
    assert events.between(2.0, 4.0).t.tolist() == [2.0, 3.0]
    assert events.before(3.0).t.tolist() == [1.0, 2.0]
    assert len(events.before(1.0)) == 0
    assert events.between("1970-01-03", "1970-01-05").t.tolist() == [2.0, 3.0]


def test_a_window_in_the_wrong_order_is_refused() -> None:
    events = Events.from_bng([0], [0], [1.0])
    with pytest.raises(EventsError, match="ends"):
        events.between(5.0, 2.0)


def test_of_type_keeps_the_types_asked_for() -> None:
    events = Events.from_bng([0, 1, 2], [0, 0, 0], [1.0, 2.0, 3.0], types=["a", "b", "a"])
    assert events.of_type("a").x.tolist() == [0.0, 2.0]
    with pytest.raises(EventsError, match="no types"):
        Events.from_bng([0], [0], [1.0]).of_type("a")


# --- The CSV reader ---------------------------------------------------------------------------


def test_a_good_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffID,Time,Latitude,Longitude,Type,notes\n"
        "b,2018-07-02T10:00,51.2720,0.5290,Burglary,x\n"
        "a,2018-07-01,51.2730,0.5300,Robbery,\n"
        "\n",
    )
    events = Events.read_csv(path)
    assert len(events) == 2 and events.has_times and events.crs == BNG
    assert events.ids is not None and events.ids.tolist() == ["a", "b"]
    assert events.types is not None and events.types.tolist() == ["Robbery", "Burglary"]
    assert events.moment(float(events.t[1])) == dt.datetime(2018, 7, 2, 10)
    east, north = to_bng([0.5300], [51.2730])
    assert events.x[0] == pytest.approx(east[0]) and events.y[0] == pytest.approx(north[0])


def test_a_file_of_months_has_no_times(tmp_path: Path) -> None:
    path = write(tmp_path, "time,latitude,longitude\n2018-07,51.27,0.53\n2018-08,51.28,0.54\n")
    events = Events.read_csv(path)
    assert not events.has_times
    assert events.moment(float(events.t[1])) == dt.datetime(2018, 8, 1)


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("time,latitude\n2018-07-01,51\n", "line 1", "has no column 'longitude'"),
        (
            "time,latitude,longitude\n2018-07-01,51.2,0.5\n2018-13-01,51.2,0.5\n",
            "line 3, column 'time'",
            "'2018-13-01' is not an ISO date",
        ),
        (
            "time,latitude,longitude\n2018-07-01,51.2,0.5\n2018-07-01,north,0.5\n",
            "line 3, column 'latitude'",
            "'north' is not a number of degrees",
        ),
        (
            "time,latitude,longitude\n2018-07-01,51.2,\n",
            "line 2, column 'longitude'",
            "is empty",
        ),
        (
            "time,latitude,longitude\n2018-07-01,51.2,190\n",
            "line 2, column 'longitude'",
            "within ±180",
        ),
        (
            "time,latitude,longitude,id\n2018-07-01,51.2,0.5,A\n2018-07-02,51.2,0.5,A\n",
            "line 3, column 'id'",
            "'A' is already the id of line 2",
        ),
        (
            "time,latitude,longitude\n2018-07,51.2,0.5\n2018-07-02,51.2,0.5\n",
            "line 3, column 'time'",
            "but line 2 has a month only",
        ),
        ("time,latitude,longitude\n2018-07-01,51.2\n", "line 2", "has 2 fields"),
        ("time,latitude,longitude\n2018-07-01,51.2,0.5,x\n", "line 2", "has 4 fields"),
        ("time,latitude,longitude\n", "", "has a header but no events"),
        ("", "", "the file is empty"),
        ("time,latitude,longitude,Time\n", "line 1", "two columns named 'time'"),
    ],
)
def test_a_bad_file_is_refused_naming_file_line_and_column(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = write(tmp_path, text, "analysis-bad.csv")
    with pytest.raises(EventsError) as caught:
        Events.read_csv(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert where in message
    assert problem in message
    assert isinstance(caught.value, ConstableError)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EventsError, match="cannot be read"):
        Events.read_csv(tmp_path / "nowhere.csv")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "time,latitude,longitude,type\n2018-07-01,51.2,0.5,caf\xe9\n".encode("latin-1")
    )
    with pytest.raises(EventsError, match="not UTF-8"):
        Events.read_csv(path)
