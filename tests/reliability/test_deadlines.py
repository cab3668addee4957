"""Deadlines on everything: an answer that trickles in, a database host that never answers, a statement
that runs too long, a file with no end. Each is injected for real and must end in seconds with one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors.errors import TransientFetchError
from extractors.http import HttpPolicy, HttpSession
from tests.helpers import canonical_frame, count, empty_config
from transforms.canonical import format_canonical
from transforms.schema import validate_canonical
from warehouse.engine import create_warehouse_engine


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def trickling_server() -> Iterator[int]:
    """Answers every request with a 1,253-byte body promised whole and sent one byte a second."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            body = b"[" + b"1," * 625 + b"1]"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            )
            for byte in body:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(1)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_an_answer_that_trickles_in_is_cut_off_at_the_total_deadline(trickling_server: int) -> None:
    """The read timeout (5 s) is never reached, one byte arriving each second: only the deadline ends it."""
    http = HttpSession(HttpPolicy(read_timeout_s=5, total_timeout_s=2, max_retries=1, backoff_s=0.1))
    started = time.monotonic()
    with pytest.raises(TransientFetchError, match=r"not complete after 2 s .*TRADEFLOW_HTTP_TOTAL_TIMEOUT_S"):
        http.get(f"http://127.0.0.1:{trickling_server}/data", source="un_comtrade")
    assert time.monotonic() - started < 10  # two attempts of 2 s, and the backoff


@pytest.fixture
def silent_host() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung database host)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()
    listener.settimeout(0.2)

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.parametrize("command", [["status"], ["query", "SELECT 1"], ["sources"]])
def test_a_database_host_that_never_answers_fails_in_seconds(
    command: list[str], silent_host: int, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
        "TRADEFLOW_DATABASE_URL": f"postgresql+psycopg://tradeflow@127.0.0.1:{silent_host}/warehouse",
        "TRADEFLOW_DB_CONNECT_TIMEOUT_S": "2",
    }
    started = time.monotonic()
    result = _cli(env, *command, timeout=60)
    elapsed = time.monotonic() - started
    if command == ["sources"]:  # needs no database at all
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1, result.stdout
    assert elapsed < 20, elapsed
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot" in lines[0] and f"127.0.0.1:{silent_host}" in lines[0], result.stderr


@pytest.mark.postgres
def test_a_statement_past_the_statement_timeout_is_stopped_by_the_server(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(format_canonical(validate_canonical(canonical_frame(2000)), "csv"), encoding="utf-8")
    env = {**os.environ, "TRADEFLOW_CONFIG": empty_config(tmp_path), "TRADEFLOW_DATABASE_URL": postgres_url}
    assert _cli(env, "db", "upgrade").returncode == 0
    result = _cli(
        {**env, "TRADEFLOW_DB_STATEMENT_TIMEOUT_S": "0.001"},
        "ingest-file",
        "--source",
        "canonical",
        str(path),
    )
    assert result.returncode == 1
    assert "did not finish a statement in time (TRADEFLOW_DB_STATEMENT_TIMEOUT_S)" in result.stderr
    assert "Traceback" not in result.stderr
    engine = create_warehouse_engine(postgres_url)
    try:
        assert count(engine, "trade_flow") == count(engine, "release") == 0
    finally:
        engine.dispose()


@pytest.fixture
def cli_env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
        "TRADEFLOW_DATABASE_URL": sqlite_url,
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
        "TRADEFLOW_INGEST_MAX_BYTES": "1000000",
    }


def test_ingest_file_reads_no_more_than_its_limit(cli_env: dict[str, str], tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.csv"
    with sparse.open("wb") as fh:
        fh.truncate(2 * 2**30)  # 2 GB of nothing, on no disk
    for name in ("/dev/zero", str(sparse)):
        started = time.monotonic()
        result = _cli(cli_env, "ingest-file", "--source", "canonical", name, timeout=60)
        assert result.returncode == 1, result.stdout
        assert "is larger than 1,000,000 bytes (TRADEFLOW_INGEST_MAX_BYTES)" in result.stderr
        assert time.monotonic() - started < 30
        assert len(result.stderr) < 1000


def test_a_huge_header_line_is_quoted_short(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("x" * 900_000 + ",source\n1,a\n", encoding="utf-8")
    result = _cli(cli_env, "ingest-file", "--source", "canonical", str(path))
    assert result.returncode == 1
    assert "not a canonical column" in result.stderr and len(result.stderr) < 2000


def test_a_header_only_file_loads_nothing_and_says_so(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(format_canonical(validate_canonical(canonical_frame(3)), "csv").splitlines()[0] + "\n")
    result = _cli(cli_env, "ingest-file", "--source", "canonical", str(path))
    assert result.returncode == 0, result.stderr
    assert "no figures in the file; nothing loaded" in result.stdout
    engine = create_warehouse_engine(cli_env["TRADEFLOW_DATABASE_URL"])
    try:
        assert count(engine, "release") == count(engine, "ingest_status") == count(engine, "trade_flow") == 0
    finally:
        engine.dispose()
