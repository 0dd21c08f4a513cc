"""Replications on Dask distributed: a local cluster by default, or a scheduler's address.

Each replication is one task, ``run_replication(scenario, index=i, seed=seed)``; its random
streams come from ``SeedSequence(seed, spawn_key=(i, ...))`` only, so the figures are the same
whether the replications run in this process, on two local workers or on a remote cluster, and
in whatever order they finish. Results are returned sorted by scenario and index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from constable.simulation import SimulationError
from constable.simulation.engine import Replication, run_replication
from constable.simulation.scenarios import Scenario

Done = Callable[[Replication], None]


@dataclass(frozen=True)
class Job:
    """Replication ``index`` of a scenario with a seed (the base scenario's, for common random
    numbers across the scenarios compared)."""

    scenario: Scenario
    index: int
    seed: int


def jobs_for(
    scenarios: Sequence[Scenario], replications: int, seed: int | None = None
) -> list[Job]:
    """Every replication of every scenario; ``seed`` for all, else each scenario's own."""
    if replications < 1:
        raise SimulationError(f"replications == {replications}, must be >= 1")
    return [
        Job(s, i, s.seed if seed is None else seed) for s in scenarios for i in range(replications)
    ]


def _run(job: Job, days: int, warm_up_days: int) -> Replication:
    return run_replication(
        job.scenario, days=days, warm_up_days=warm_up_days, index=job.index, seed=job.seed
    )


def run_jobs(
    jobs: Sequence[Job],
    *,
    days: int,
    warm_up_days: int = 1,
    scheduler: str | None = None,
    workers: int = 2,
    done: Done | None = None,
) -> list[Replication]:
    """Run ``jobs``: in this process when ``workers`` is 0 and no scheduler is given, else on
    Dask (a ``LocalCluster`` of ``workers`` single-threaded processes, or the scheduler at
    ``scheduler``, e.g. ``tcp://10.0.0.5:8786``)."""
    if workers < 0:
        raise SimulationError(f"workers == {workers}, must be >= 0")
    results: list[Replication] = []
    if scheduler is None and workers == 0:
        for job in jobs:
            result = _run(job, days, warm_up_days)
            results.append(result)
            if done is not None:
                done(result)
    else:
        results = _on_dask(jobs, days, warm_up_days, scheduler, workers, done)
    return sorted(
        results, key=lambda r: ([j.scenario.name for j in jobs].index(r.scenario), r.index)
    )


def _on_dask(
    jobs: Sequence[Job],
    days: int,
    warm_up_days: int,
    scheduler: str | None,
    workers: int,
    done: Done | None,
) -> list[Replication]:
    from distributed import Client, LocalCluster, as_completed

    with ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: never clash with another cluster
                    silence_logs=40,
                )
            )
            client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
        else:
            try:
                client = stack.enter_context(
                    Client(scheduler, timeout=30)  # type: ignore[no-untyped-call]
                )
            except OSError as exc:
                raise SimulationError(f"no Dask scheduler answers at {scheduler}: {exc}") from exc
        futures = [
            client.submit(_run, job, days, warm_up_days, pure=False, key=f"replication-{n}")
            for n, job in enumerate(jobs)
        ]
        results = []
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            result = future.result()
            results.append(result)
            if done is not None:
                done(result)
        return results
