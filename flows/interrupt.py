"""Ctrl-C and SIGTERM on the command line: stop within seconds, leave nothing half-written, and say which
releases were cut off.

A release writes in one transaction, so stopping the process at any moment loses nothing that was
committed and leaves nothing half-written; what stopping must add is a record of the releases that were
in flight (state `interrupted`, which the next run takes up again), the temporary Prefect server
stopped, and an exit status that says how the command ended (130 for SIGINT, 143 for SIGTERM). A second
signal exits at once.

As of prefect 3.9 a flow run swaps in a SIGTERM handler of its own that unwinds the run and waits for
its task threads (minutes, with fetches in flight): so the command's handler is installed again at the
start of each flow body (`install`), and only when the command line enabled it; runs started by a worker
keep Prefect's own handling (a worker cancels with SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from flows.prefect_api import stop_temporary_server
from flows.runtime import current_runtime
from warehouse.status import record_statuses

_ENABLED = False
_STOPPING = threading.Event()
WAIT_FOR_WRITE_S = 10.0  # a release being committed is let finish, up to this long


def enable() -> None:
    """Called by the command line before it runs a flow in this process."""
    global _ENABLED
    _ENABLED = True
    install()


def install() -> None:
    """(Re)install the handlers, if enabled and on the main thread (where Python runs them)."""
    if _ENABLED and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)


def _stop(signum: int, _frame: FrameType | None) -> None:
    code = 128 + signum
    if _STOPPING.is_set():
        os._exit(code)
    _STOPPING.set()
    name = signal.Signals(signum).name
    _say(f"\ntradeflow: {name}: stopping; releases in flight are recorded as interrupted")
    try:
        _record_in_flight(name)
    finally:
        stop_temporary_server()
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(code)


def _say(line: str) -> None:
    """Straight to the terminal: a flow run's print and logging are buffered, and the process exits next."""
    os.write(sys.stderr.fileno(), (line + "\n").encode())


def _record_in_flight(name: str) -> None:
    rt = current_runtime()
    if rt is None:
        return
    rt.warehouse_down = f"interrupted by {name}"  # nothing new starts writing
    # SQLite: a release being written holds the process's write lock; let it commit, then write.
    locked = rt.write_lock.acquire(timeout=WAIT_FOR_WRITE_S)
    try:
        cut = sorted(rt.in_flight)
        if not cut:
            return
        message = (
            f"interrupted by {name} before it finished; nothing of it was written; the next run tries again"
        )
        records = [
            (source, scope, period, "interrupted", f"{source} {period:%Y-%m} {scope}: {message}")
            for source, scope, period in cut
        ]
        try:
            record_statuses(rt.engine, records)
        except Exception as exc:
            _say(f"tradeflow: could not record the interrupted releases: {' '.join(str(exc).split())}")
            return
        for source, scope, period, _, _ in records:
            _say(f"INTERRUPTED {source} {period:%Y-%m} {scope}")
    finally:
        if locked:
            rt.write_lock.release()
