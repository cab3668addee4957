"""Progress as a run goes: a line as each release (or child run) ends, a Prefect progress artifact the UI
shows on the run's page, and on a terminal a bar redrawn in place.

"17/47 done: kr_customs 2026-03 loaded, 120 figures, 3 revised"
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import IO, Any

from flows.releases import Outcome

log = logging.getLogger("tradeflow.flows")
BAR_WIDTH = 30
# A log record marked so (`extra={TERMINAL_REPEATS: True}`) is for the run's logs in the Prefect UI: the
# command line prints the same thing itself at the end of the run, and does not show it twice.
TERMINAL_REPEATS = "tradeflow_terminal_repeats"


class _SaidOnce(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, TERMINAL_REPEATS, False):
            return False
        # Prefect's closing line repeats the Failed state's message, every failure again.
        return not (
            record.name == "prefect.flow_runs" and record.getMessage().startswith("Finished in state Failed")
        )


def said_once_on_the_terminal() -> None:
    """On a command-line run, the terminal's log handlers drop what the command prints itself at the end
    (the failures, one line each, and one per unreachable source). The run's API logs keep everything."""
    for logger in (logging.getLogger(), logging.getLogger("prefect")):
        for handler in logger.handlers:
            stream = isinstance(handler, logging.StreamHandler)
            if stream and not any(isinstance(f, _SaidOnce) for f in handler.filters):
                handler.addFilter(_SaidOnce())


def describe(outcome: Outcome) -> str:
    """One outcome in a few words: "kr_customs 2026-03 loaded, 120 figures, 3 revised"."""
    head = f"{outcome.source} {outcome.month}"
    warned = "".join(f"; warning: {w}" for w in outcome.warnings)
    if outcome.state == "loaded":
        figures = f"{outcome.rows} figures, {outcome.inserted} new, {outcome.revised} revised"
        return f"{head} loaded, {figures}{warned}"
    if outcome.state in ("unchanged", "not_published", "skipped"):
        return f"{head} {outcome.state.replace('_', ' ')}{warned}"
    return f"{head} {outcome.state}: {outcome.message}"


class Progress:
    """Counts units of work (releases, or child runs) as they end, and tells people."""

    def __init__(self, kind: str, total: int, *, logger: Any = None, terminal: IO[str] | None = None) -> None:
        self.kind = kind
        self.total = total
        self.done = 0
        self.logger = logger or log
        self.terminal = terminal if terminal is not None and terminal.isatty() else None
        self._lock = threading.Lock()
        self._artifact: Any = None
        if total:
            self._artifact = _create_artifact(kind, total)

    def step(self, what: str, *, quiet: bool = False) -> None:
        """One unit ended. `quiet`: counted, but no line of its own (a release never tried because its
        source is unreachable: the run says that once per source)."""
        with self._lock:
            self.done += 1
            line = f"{self.done}/{self.total} done: {what}"
            if not quiet:
                self.logger.info("%s", line)
            if self._artifact is not None:
                _update_artifact(self._artifact, 100 * self.done / self.total, line)
            if self.terminal is not None:
                filled = BAR_WIDTH * self.done // max(self.total, 1)
                bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                end = "\n" if self.done == self.total else ""
                self.terminal.write(f"\r[{bar}] {line[:100]:<100}{end}")
                self.terminal.flush()


def _create_artifact(kind: str, total: int) -> Any:
    try:
        from prefect.artifacts import create_progress_artifact

        return create_progress_artifact(
            0.0, key=f"tradeflow-{kind}-progress", description=f"tradeflow {kind}: 0/{total} done"
        )
    except Exception as exc:
        log.debug("no progress artifact: %s", exc)
        return None


def _update_artifact(artifact_id: Any, percent: float, line: str) -> None:
    try:
        from prefect.artifacts import update_progress_artifact

        update_progress_artifact(artifact_id, percent, description=line)
    except Exception as exc:
        log.debug("progress artifact not updated: %s", exc)


def stderr_if_terminal() -> IO[str] | None:
    return sys.stderr if sys.stderr.isatty() else None
