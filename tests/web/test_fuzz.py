"""Fuzzing every API operation from the app's own OpenAPI document (schemathesis): generated
paths, queries and bodies, sent over HTTP with a valid token of each role in turn, never get a
5xx. Bounded: a few examples per operation, so the whole run takes about a minute."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from constable.auth.roles import Role
from support import Served, served_kent

USERS = {
    "handler": (Role.CALL_HANDLER, None),
    "dispatcher": (Role.DISPATCHER, None),
    "commander": (Role.DISTRICT_COMMANDER, "maidstone"),
    "csu": (Role.COMMUNITY_SAFETY, "maidstone"),
    "analyst": (Role.ANALYST, None),
    "admin": (Role.ADMINISTRATOR, None),
}
EXAMPLES = int(os.environ.get("CONSTABLE_FUZZ_EXAMPLES", "6"))
"""Examples per operation (one for each role, in turn); more for a longer hunt."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'kent.db'}"
    with served_kent(url, USERS) as served:
        yield served


def test_no_operation_answers_with_a_server_error(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")
    turns = itertools.cycle(USERS)
    failures: list[str] = []
    operations = 0
    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            user = next(turns)
            headers = {"Authorization": served[user].headers["Authorization"]}
            response = case.call(base_url=served.base_url, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} as {user}: {response.status_code} "
                    f"query={case.query} body={str(case.body)[:200]}"
                )

        call()
    assert operations > 100
    assert failures == []
