"""Shared fixtures: warehouses on SQLite and PostgreSQL, the real-release folder, fixture files."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, text

from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade

if TYPE_CHECKING:
    from demo.replay import ReplayServer

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The tests' Prefect runs, and the temporary servers of the CLIs they start, stay out of the user's
# ~/.prefect: one home per test session (each xdist worker its own).
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="tradeflow-tests-prefect-")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REAL = ROOT.parent / "shared" / "real-releases"
IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get(
    "TRADEFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


_PG_PROBLEM: str | bool | None = False


def require_postgres() -> None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _postgres_available()
    if _PG_PROBLEM:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {_PG_PROBLEM}")


@pytest.fixture
def real_releases() -> Path:
    if not REAL.is_dir():
        if IN_CI:
            pytest.fail(f"{REAL} is missing: real-payload tests must run under CI=true")
        pytest.skip(f"{REAL} is absent (a fresh clone without ../shared): real-payload tests skipped")
    return REAL


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    return f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_schemas() -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL schemas (a URL each) for one test; all dropped afterwards."""
    require_postgres()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        schema = f"tf_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        made.append(schema)
        return _pg_schema_url(schema)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for schema in made:
                # Each warehouse's reader role (migration 0010) is the cluster's: dropped with its schema.
                found = conn.execute(
                    text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.query_reader"}
                )
                roles = (
                    conn.execute(text(f"SELECT role FROM {schema}.query_reader")).scalars().all()
                    if found.scalar()
                    else []
                )
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                for role in roles:
                    with contextlib.suppress(Exception):  # a role with rights elsewhere stays: harmless
                        conn.execute(text(f"DROP OWNED BY {role}"))
                        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_schemas: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL schema for one test, dropped afterwards."""
    return postgres_schemas()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on the embedded SQLite default and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_warehouse_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


# ------------------------------------------------------------------ flows: Prefect, replay server, settings


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One Prefect test server for the whole session (it takes about ten seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        from prefect.settings import PREFECT_API_URL

        yield str(PREFECT_API_URL.value())


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    """A private copy of the demo's sample releases, which a test may alter."""
    import shutil

    from demo.replay import DEFAULT_ROOT

    root = tmp_path / "releases"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


@pytest.fixture
def replay(releases: Path) -> Iterator[ReplayServer]:
    from demo.replay import ReplayServer

    with ReplayServer(releases) as server:
        yield server


@pytest.fixture
def flow_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str, replay: ReplayServer, prefect_server: str
) -> Iterator[dict[str, str]]:
    """Settings that point every source at the replay server, for in-process flows and CLI subprocesses."""
    from flows.runtime import reset_runtime

    values = {
        **replay.base_urls(),
        "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
        "TRADEFLOW_DATABASE_URL": db_url,
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
        "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "canary-kcs-key-123",
        "TRADEFLOW_MIN_INTERVAL_S": "{}",
        "TRADEFLOW_TASK_RETRY_DELAY_S": "0",
        "TRADEFLOW_HTTP_BACKOFF_S": "0.01",
        "TRADEFLOW_REVISION_ALERT_PCT": "0.4",
        "PREFECT_API_URL": prefect_server,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    reset_runtime()
    yield values
    reset_runtime()
