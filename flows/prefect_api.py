"""A Prefect API for the command line's in-process runs: the configured one, or a temporary server of
tradeflow's own that cannot outlive the command.

Prefect starts a temporary server by itself when PREFECT_API_URL is unset, but (as of prefect 3.9) that
server is a plain child process: Ctrl-C in a terminal reaches it too, and a `kill -9` of the command
leaves it running under init, ~230 MB each. This one runs in a session of its own (a terminal's Ctrl-C
reaches only tradeflow, which stops it last), and the kernel sends it SIGTERM when tradeflow dies, however
it dies (Linux's PR_SET_PDEATHSIG). Its own output goes to `temporary-server.log` in PREFECT_HOME, not
the terminal: a server stopped while it answers a request logs a traceback that is not the user's concern.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

log = logging.getLogger("tradeflow.flows")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):  # not Linux: stopped on every normal exit still
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerNotStarted(RuntimeError):
    """The temporary Prefect server could not be started; the message says why and what to do."""


class TemporaryServer:
    """A Prefect API server on a free local port, started and stopped by this process."""

    def __init__(self, startup_timeout_s: float) -> None:
        self.startup_timeout_s = startup_timeout_s
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(errors="replace").strip().splitlines()
        errors = [line for line in lines if "| ERROR" in line]
        if errors:  # the first error is the cause; what follows is the shutdown it set off
            return f"; its log ({self.log_path}) says: {errors[0].split(' - ', 1)[-1]}"
        return f"; its log ({self.log_path}) ends: {lines[-1]}" if lines else ""

    def start(self) -> None:
        import prefect
        from prefect.settings import PREFECT_HOME

        home = Path(PREFECT_HOME.value()).expanduser()
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / "temporary-server.log"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1"}
        env.pop("PREFECT_API_URL", None)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(prefect.__file__).parent.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()  # the child holds its own copy
        deadline = time.monotonic() + self.startup_timeout_s
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerNotStarted(
                        f"the temporary Prefect server exited with code {self.process.returncode}"
                        + self._log_tail()
                    )
                try:
                    if client.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise ServerNotStarted(
            f"the temporary Prefect server did not start in {self.startup_timeout_s:g} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); or set PREFECT_API_URL to a running server"
            + self._log_tail()
        )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_CURRENT: TemporaryServer | None = None


def stop_temporary_server() -> None:
    """Stop the temporary server now (a signal handler's last step before the process exits)."""
    if _CURRENT is not None:
        _CURRENT.stop()


@contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured Prefect API, or a temporary server for the duration of the block; yields its URL
    (None when one was configured)."""
    global _CURRENT
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    if PREFECT_API_URL.value():
        yield None
        return
    # Prefect's own default (20 s) is short for a first start on a busy two-core machine.
    server = TemporaryServer(max(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() or 0), 120.0))
    server.start()
    _CURRENT = server
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        _CURRENT = None
        _send_what_is_queued()
        server.stop()


def _send_what_is_queued(timeout_s: float = 5.0) -> None:
    """Let Prefect's log and event workers send what they hold before the server goes: stopped first,
    they print "--- Error logging to API ---" on the terminal after the run's own last line."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout_s, at_exit=False)
        except Exception as exc:  # a worker that cannot drain must not keep the server up
            log.debug("Prefect's %s did not drain: %s", worker.__name__, exc)
