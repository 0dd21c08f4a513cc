"""Generated demand through the live control-room API, and the demand refit from what it stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from constable.auth.roles import Role
from constable.force import service as force_service
from constable.force.config import load_config
from constable.force.models import Team, Unit
from constable.simulation import SimulationError
from constable.simulation.calibrate import refit
from constable.simulation.contacts import busiest_hour, plan_day, window
from constable.simulation.demand import load_calibration
from constable.simulation.establishment import establishment
from constable.simulation.geography import force_geography
from constable.simulation.replay import ReplayError, neighbourhood_weights, replay, sign_in
from constable.store import open_store
from support import PASSWORD, Served, served_kent


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('simulation') / 'kent.db'}"
    with served_kent(url, {"hana": (Role.CALL_HANDLER, None)}) as served:
        yield served


def test_a_generated_day_has_the_seeds_totals() -> None:
    codes, weights = neighbourhood_weights(load_config("kent"))
    day = plan_day(codes, weights, seed=3)
    assert len(day) == 5000
    assert sum(c.body["channel"] == "999" for c in day) == 700
    assert plan_day(codes, weights, seed=3) == day


def test_replay_sends_a_window_and_the_refit_reads_it_back(live: Served) -> None:
    codes, weights = neighbourhood_weights(load_config("kent"))
    chosen = window(plan_day(codes, weights, seed=5), busiest_hour(), 0.5)
    assert 150 < len(chosen) < 250
    token = sign_in(live.base_url, "hana", PASSWORD)
    result = replay(live.base_url, token, chosen, speed=1800 * 2, connections=4)
    assert result.sent == len(chosen)
    assert result.created == len(chosen), result.errors
    assert live.rows("incident") == len(chosen)

    store = open_store(live.database_url)
    try:
        with store.session() as session:
            force = force_service.get_or_raise(session=session, code="kent")
            with pytest.raises(SimulationError, match="at least 1,000"):
                refit(
                    session=session, force=force, base=load_calibration("kent"), min_incidents=1000
                )
            found = refit(
                session=session, force=force, base=load_calibration("kent"), min_incidents=100
            )
            # The establishment counted without a database matches the units built.
            built = dict(
                session.execute(
                    select(Unit.kind, func.count())
                    .join(Team)
                    .where(Team.force_id == force.id)
                    .group_by(Unit.kind)
                ).all()
            )
    finally:
        store.close()
    calibration = found.calibration
    sent_999 = sum(c.body["channel"] == "999" for c in chosen)
    assert calibration.channels["999"].per_day == pytest.approx(sent_999, abs=0.5)
    assert sum(calibration.channels["101"].hourly) == pytest.approx(1, abs=0.002)
    assert set(calibration.district_shares or {}) <= set(
        force_geography(load_config("kent")).district_names
    )
    categories = {m.category for m in calibration.channels["101"].categories}
    assert categories <= {c.body["category"] for c in chosen}
    assert any("kept from the base" in note for note in found.notes)
    config = load_config("kent")
    counted: dict[str, int] = {}
    for unit in establishment(config, force_geography(config)):
        counted[unit.kind] = counted.get(unit.kind, 0) + 1
    assert counted == built


def test_replay_reports_a_refused_sign_in(live: Served) -> None:
    with pytest.raises(ReplayError, match="refused"):
        sign_in(live.base_url, "hana", "wrong password")
    with pytest.raises(ReplayError, match="no answer"):
        sign_in("http://127.0.0.1:9", "hana", PASSWORD, timeout=2)


def test_replay_refuses_a_bad_speed(live: Path) -> None:
    with pytest.raises(SimulationError, match="speed == 0"):
        replay("http://127.0.0.1:9", "token", [], speed=0)
