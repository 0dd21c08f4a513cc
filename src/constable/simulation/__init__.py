"""Simulation for planners: demand, the control room's queues, response, and scenario comparison.

The parts, each a small module:

- :mod:`~constable.simulation.demand`: a seeded generator of contacts calibrated to the force
  (and refit from stored incidents by :mod:`~constable.simulation.calibrate`);
- :mod:`~constable.simulation.erlang` and :mod:`~constable.simulation.staffing`: Erlang C and the
  fewest call handlers per interval that meet the answer targets;
- :mod:`~constable.simulation.callroom` and :mod:`~constable.simulation.response`: discrete-event
  models (SimPy) of the control room and of response units, run together by
  :mod:`~constable.simulation.engine`;
- :mod:`~constable.simulation.scenarios`: a scenario is the force configuration plus changes;
- :mod:`~constable.simulation.compare` and :mod:`~constable.simulation.parallel`: replications on
  Dask, confidence intervals, charts and an HTML report;
- :mod:`~constable.simulation.contacts` and :mod:`~constable.simulation.replay`: generated demand
  sent through the live control-room API.
"""

from __future__ import annotations

from constable.errors import ConstableError


class SimulationError(ConstableError):
    """A scenario, calibration or simulation request that cannot be used; says where and why."""
