"""What a release's readers should know beyond its figures, kept with its status: the warnings the
publisher's code logged while reading it (a header that disagreed with the title), and the cumulative
checks against the figures stored beside it (`transforms.consistency`). Such a release is stored, and
the warnings go into its status message, the run's line for it and `tradeflow status`: never silent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection

from transforms.consistency import cumulative_notes, neighbour_periods
from warehouse.neighbours import stored_figures_at
from warehouse.status import WARNING_MARK

PUBLISHER_LOGGER = "tradeflow.extractors"  # publishers log under tradeflow.extractors.<id>


class _Collect(logging.Handler):
    def __init__(self, thread: int) -> None:
        super().__init__(logging.WARNING)
        self.thread = thread
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:  # releases are read on several threads at once
            self.messages.append(record.getMessage())


@contextmanager
def logged_warnings() -> Iterator[list[str]]:
    """The warnings publishers' code logs on this thread while the block runs, in order."""
    handler = _Collect(threading.get_ident())
    logger = logging.getLogger(PUBLISHER_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


class ReleaseCheck:
    """Run by the upsert under the source's lock, before it writes the status: a release of the month
    beside this one, loaded at the same time, is then either fully stored or not yet begun."""

    def __init__(self, rows: pd.DataFrame, warnings: list[str]) -> None:
        self.rows = rows
        self.warnings = list(warnings)

    def __call__(self, conn: Connection) -> str:
        notes = list(self.warnings)
        periods = neighbour_periods(self.rows)
        if periods:
            sources = sorted(set(self.rows["source"]))
            notes += cumulative_notes(self.rows, stored_figures_at(conn, sources, periods))
        return "".join(WARNING_MARK + note for note in notes)
