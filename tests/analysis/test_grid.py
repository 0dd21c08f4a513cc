"""Grids: cells, ids, masks, corners in WGS84, guard rails; scores and their ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from constable.analysis.events import Events
from constable.analysis.grid import Grid, GridError, Scores
from constable.force.geography import to_wgs84


def grid_3x2() -> Grid:
    """Three columns, two rows of 100 m cells from (1000, 2000)."""
    return Grid(1000.0, 2000.0, 100.0, 3, 2)


def test_from_bounds_snaps_the_origin_to_the_cell_size() -> None:
    grid = Grid.from_bounds(1000, 2010, 1400, 2150, cell_size=150)
    assert (grid.x0, grid.y0) == (900.0, 1950.0)
    assert (grid.nx, grid.ny) == (4, 2)  # 900..1500, 1950..2250
    unsnapped = Grid.from_bounds(1000, 2010, 1400, 2150, cell_size=150, snap=False)
    assert (unsnapped.x0, unsnapped.y0, unsnapped.nx, unsnapped.ny) == (1000, 2010, 3, 1)


def test_from_events_covers_a_point_on_the_far_edge() -> None:
    events = Events.from_bng([900.0, 1500.0], [1950.0, 1950.0], [0.0, 1.0])
    grid = Grid.from_events(events, cell_size=150)
    assert (grid.x0, grid.nx, grid.ny) == (900.0, 5, 1)
    assert grid.flat_index(events.x, events.y).tolist() == [0, 4]


def test_cell_of_and_flat_index() -> None:
    grid = grid_3x2()
    col, row = grid.cell_of(
        [1000, 1099.9, 1250, 1300, 999, 1150], [2000, 2000, 2150, 2000, 2000, 2200]
    )
    assert col.tolist() == [0, 0, 2, -1, -1, -1]
    assert row.tolist() == [0, 0, 1, -1, -1, -1]
    assert grid.flat_index([1250], [2150]).tolist() == [5]


def test_centres_are_in_the_middle_of_each_cell() -> None:
    xc, yc = grid_3x2().centres()
    assert xc.tolist() == [[1050, 1150, 1250], [1050, 1150, 1250]]
    assert yc.tolist() == [[2050, 2050, 2050], [2150, 2150, 2150]]


def test_histogram_counts_points_in_cells_and_drops_the_rest() -> None:
    grid = grid_3x2()
    counts = grid.histogram(
        [1010, 1020, 1250, 5000], [2010, 2020, 2150, 2000], [1.0, 2.0, 4.0, 8.0]
    )
    assert counts.tolist() == [[3.0, 0.0, 0.0], [0.0, 0.0, 4.0]]


def test_cell_ids_are_the_lower_left_corner_in_metres() -> None:
    grid = Grid(612300.0, 158400.0, 150.0, 2, 2)
    assert grid.cell_ids() == [
        "E612300N158400",
        "E612450N158400",
        "E612300N158550",
        "E612450N158550",
    ]
    assert Grid(0.5, 0.0, 10.0, 1, 1).cell_id(0) == "E0.50N0"


def test_polygons_are_closed_anticlockwise_rings_at_the_cell_corners() -> None:
    grid = Grid(575000.0, 155000.0, 150.0, 2, 1)
    rings = grid.polygons_wgs84()
    assert rings.shape == (2, 5, 2)
    assert np.array_equal(rings[:, 0], rings[:, 4])
    lon, lat = to_wgs84([575150, 575300], [155000, 155150])
    assert rings[1, 0].tolist() == pytest.approx([lon[0], lat[0]])  # south-west of cell 1
    assert rings[1, 2].tolist() == pytest.approx([lon[1], lat[1]])  # north-east
    x, y = rings[0, :, 0], rings[0, :, 1]
    signed_area = 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
    assert signed_area > 0


def test_a_mask_from_events_keeps_their_cells_and_neighbours() -> None:
    grid = Grid(0.0, 0.0, 100.0, 5, 5)
    events = Events.from_bng([250.0], [250.0], [0.0])
    assert grid.mask_events(events, 0).n_valid == 1
    assert grid.mask_events(events, 100).n_valid == 5  # the cell and the four sharing a side
    assert grid.mask_events(events, 150).n_valid == 9  # and the diagonals (141 m away)
    masked = Grid.from_events(events, cell_size=100, mask_radius=0)
    assert masked.n_valid == 1


def test_a_mask_from_a_shape_keeps_the_cells_whose_centre_is_inside() -> None:
    grid = Grid(0.0, 0.0, 100.0, 4, 4)
    masked = grid.mask_geometry(shapely.box(0, 0, 210, 160))
    assert masked.valid.astype(int).tolist() == [
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    ]
    shaped = Grid.from_geometry(shapely.box(0, 0, 210, 160), cell_size=100)
    assert (shaped.nx, shaped.ny, shaped.n_valid) == (3, 2, 4)


def test_masks_narrow_and_flat_index_can_skip_masked_cells() -> None:
    grid = grid_3x2().with_mask([[True, True, False], [True, True, True]])
    narrower = grid.with_mask([[False, True, True], [True, True, True]])
    assert narrower.n_valid == 4
    assert narrower.flat_index([1050, 1150], [2050, 2050], valid_only=True).tolist() == [-1, 1]


@pytest.mark.parametrize("size", [0, -50, math.nan, math.inf])
def test_a_cell_size_that_is_not_positive_is_refused(size: float) -> None:
    with pytest.raises(GridError, match=f"cell_size == {size}, must be > 0"):
        Grid.from_bounds(0, 0, 1000, 1000, cell_size=size)


def test_no_events_is_refused() -> None:
    empty = Events.from_bng([], [], np.array([], dtype=float))
    with pytest.raises(GridError, match="no events"):
        Grid.from_events(empty)


def test_a_stray_point_is_reported_before_any_array_is_made() -> None:
    rng = np.random.default_rng(1)
    x = np.append(rng.uniform(570_000, 580_000, 50), 1_200_000.0)
    y = np.append(rng.uniform(150_000, 160_000, 50), 1_150_000.0)
    ids = [f"C{i}" for i in range(51)]
    events = Events.from_bng(x, y, np.arange(51.0), ids=ids)
    with pytest.raises(GridError) as caught:
        Grid.from_events(events, cell_size=150)
    message = str(caught.value)
    assert "more than max_cells = 5,000,000" in message
    assert "event 'C50' at x 1,200,000, y 1,150,000" in message.split("furthest out are")[1][:60]
    # The limit is configurable: a small one refuses an ordinary grid, a big one allows it.
    town = events.select(np.arange(50))
    with pytest.raises(GridError, match="max_cells = 1,000"):
        Grid.from_events(town, max_cells=1_000)
    assert Grid.from_events(town, max_cells=10_000).n_cells < 10_000


def test_bounds_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(GridError, match="wrong order"):
        Grid.from_bounds(1000, 0, 0, 1000)


def test_a_mask_of_the_wrong_shape_or_empty_is_refused() -> None:
    with pytest.raises(GridError, match="the mask is"):
        grid_3x2().with_mask(np.ones((3, 3), dtype=bool))
    with pytest.raises(GridError, match="no cell"):
        grid_3x2().with_mask(np.zeros((2, 3), dtype=bool))


# --- Scores -----------------------------------------------------------------------------------


def test_ranked_puts_high_scores_first_and_ties_in_cell_order() -> None:
    scores = Scores(grid_3x2(), np.array([[1.0, 5.0, 2.0], [5.0, 0.0, 2.0]]))
    assert scores.ranked().tolist() == [1, 3, 2, 5, 0, 4]
    assert scores.ranks().tolist() == [[5, 1, 3], [2, 6, 4]]


def test_top_takes_the_nearest_whole_number_of_cells_at_least_one() -> None:
    scores = Scores(Grid(0, 0, 1, 10, 10), np.arange(100.0))
    assert scores.cells_for(0.01) == 1
    assert scores.cells_for(0.004) == 1
    assert scores.cells_for(0.055) == 6  # 5.5 rounds up
    assert scores.top(0.05).tolist() == [99, 98, 97, 96, 95]
    with pytest.raises(GridError, match="fraction == 0"):
        scores.cells_for(0)


def test_masked_cells_are_not_ranked() -> None:
    grid = grid_3x2().with_mask([[True, False, True], [True, True, True]])
    scores = Scores(grid, np.array([[1.0, 9.0, 2.0], [3.0, 0.0, 2.0]]))
    assert 1 not in scores.ranked().tolist()
    assert scores.ranks()[0, 1] == 0
    assert scores.top(1.0).size == 5


def test_geojson_lists_cells_best_first_with_id_score_and_rank() -> None:
    grid = Grid(575000.0, 155000.0, 150.0, 2, 1)
    collection = Scores(grid, np.array([1.0, 3.0])).to_geojson()
    features = collection["features"]
    assert [f["properties"] for f in features] == [
        {"cell": "E575150N155000", "score": 3.0, "rank": 1},
        {"cell": "E575000N155000", "score": 1.0, "rank": 2},
    ]
    ring = features[0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert len(Scores(grid, np.array([1.0, 3.0])).to_geojson(0.5)["features"]) == 1


def test_scores_must_fit_the_grid_and_be_finite() -> None:
    with pytest.raises(GridError, match="5 scores for a grid of 6"):
        Scores(grid_3x2(), np.zeros(5))
    with pytest.raises(GridError, match="finite"):
        Scores(grid_3x2(), np.array([0, 0, 0, 0, 0, math.nan]))
