"""What a database failure means for the person running tradeflow, in one line with what to do.

SQLAlchemy's messages name the driver's error and the SQL; an operator needs to know that the warehouse
file is locked by another process or its disk is full, and what to do about it.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def describe(exc: BaseException, url: str) -> tuple[str, bool]:
    """(one line saying what failed and what to do, whether the whole warehouse is unavailable)."""
    where = _where(url)
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    lowered = text.lower()
    if "database is locked" in lowered:
        return (
            f"the warehouse {where} stayed locked by another process past the busy timeout "
            "(TRADEFLOW_SQLITE_BUSY_TIMEOUT_S): close the other writer (a sqlite3 shell, another tradeflow) "
            "and run again",
            True,
        )
    if "disk is full" in lowered or "no space left" in lowered or "could not extend file" in lowered:
        return f"the disk holding the warehouse {where} is full: free space and run again", True
    if "disk i/o error" in lowered:  # SQLite, when it cannot even create its WAL files on a full disk
        return (
            f"the disk holding the warehouse {where} failed a write (full, or failing): free space and run again",
            True,
        )
    if "readonly database" in lowered or "read-only file system" in lowered:
        return f"the warehouse {where} cannot be written by this user: check its permissions", True
    if "statement timeout" in lowered or "canceling statement" in lowered:
        return (
            f"the warehouse {where} did not finish a statement in time (TRADEFLOW_DB_STATEMENT_TIMEOUT_S): "
            f"{text[:300]}",
            False,
        )
    if isinstance(exc, SQLAlchemyError) and (
        "connection" in lowered or "timeout expired" in lowered or "could not connect" in lowered
    ):
        return f"cannot reach the warehouse at {where}: {text[:300]}", True
    return f"the warehouse {where} refused the write: {text[:300]}", False
