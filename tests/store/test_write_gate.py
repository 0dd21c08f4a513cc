"""SQLite's write gate: one holder at a time, in a process and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio

from constable.api.gate import WriteGate


def test_a_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    """Two gates on one database (as two worker processes have) exclude each other through the
    file lock, and the second gets in once the first lets go."""
    database = tmp_path / "constable.db"
    first, second = WriteGate(database), WriteGate(database)
    order: list[str] = []
    held = threading.Event()

    def hold_first() -> None:
        with first.held():
            held.set()
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=hold_first)
    thread.start()
    assert held.wait(5)
    with second.held():
        order.append("second in")
    thread.join()
    assert order == ["first out", "second in"]
    assert (tmp_path / "constable.db-gate").exists()


def test_another_process_waits_for_the_gate(tmp_path: Path) -> None:
    database, mark = tmp_path / "constable.db", tmp_path / "mark"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from constable.api.gate import WriteGate\n"
        "with WriteGate(Path(sys.argv[1])).held():\n"
        "    print('in', flush=True)\n"
        "    time.sleep(0.3)\n"
        "    Path(sys.argv[2]).write_text('out')\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(database), str(mark)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "in"
    with WriteGate(database).held():
        assert mark.read_text() == "out"  # the other process was done before this got in
    assert child.wait(10) == 0


def test_the_event_loop_s_way_through_excludes_the_thread_s(tmp_path: Path) -> None:
    """acquire/release (a request whose session spans threads) and held (one step on one
    thread) are the same gate."""
    gate = WriteGate(tmp_path / "constable.db")
    inside: list[str] = []

    async def main() -> None:
        await gate.acquire()
        try:
            waiter = threading.Thread(target=lambda: _enter(gate, inside))
            waiter.start()
            await anyio.sleep(0.2)
            assert inside == []  # still waiting
        finally:
            gate.release()
        await anyio.to_thread.run_sync(waiter.join)
        assert inside == ["thread"]
        await gate.acquire()  # free again
        gate.release()

    anyio.run(main)


def _enter(gate: WriteGate, inside: list[str]) -> None:
    with gate.held():
        inside.append("thread")
