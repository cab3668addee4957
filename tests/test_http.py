"""The shared HTTP session against servers that misbehave for real (stall, reset, 429, 5xx, oversize)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.errors import PermanentFetchError, TransientFetchError
from extractors.http import HttpPolicy, HttpSession
from extractors.redaction import redact_url

SECRET = "s3cr3t/KEY+=="


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def session(**policy: float) -> tuple[HttpSession, Sleeps]:
    http = HttpSession(HttpPolicy(**policy), secrets=[SECRET])  # type: ignore[arg-type]
    sleeps = Sleeps()
    http.sleep = sleeps
    return http, sleeps


def test_429_with_retry_after_is_honoured_then_succeeds(httpserver: HTTPServer) -> None:
    answers = iter([Response("slow down", status=429, headers={"Retry-After": "7"}), Response("ok")])
    httpserver.expect_request("/data").respond_with_handler(lambda _r: next(answers))
    http, sleeps = session(max_retries=3)
    response, body = http.get(httpserver.url_for("/data"), source="test", params={"key": SECRET})
    assert body == b"ok" and response.status_code == 200
    assert sleeps.calls == [7.0]
    assert len(httpserver.log) == 2


def test_5xx_then_success_with_exponential_backoff(httpserver: HTTPServer) -> None:
    answers = iter(
        [Response("x", status=500), Response("x", status=502), Response("x", status=503), Response("ok")]
    )
    httpserver.expect_request("/data").respond_with_handler(lambda _r: next(answers))
    http, sleeps = session(max_retries=4, backoff_s=1.0)
    _response, body = http.get(httpserver.url_for("/data"), source="test")
    assert body == b"ok"
    assert sleeps.calls == [1.0, 2.0, 4.0]


def test_permanent_404_is_not_retried_and_names_source_and_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_data("no such thing", status=404)
    http, sleeps = session(max_retries=4)
    with pytest.raises(PermanentFetchError) as err:
        http.get(httpserver.url_for("/missing"), source="kr_customs", params={"serviceKey": SECRET})
    assert err.value.status == 404 and sleeps.calls == [] and len(httpserver.log) == 1
    assert "kr_customs" in str(err.value) and "/missing" in str(err.value)
    assert SECRET not in str(err.value)


def test_gives_up_after_max_retries_as_transient(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data").respond_with_data("busy", status=503)
    http, sleeps = session(max_retries=2, backoff_s=0.5)
    with pytest.raises(TransientFetchError, match="gave up after 3 attempts"):
        http.get(httpserver.url_for("/data"), source="test")
    assert len(httpserver.log) == 3 and sleeps.calls == [0.5, 1.0]


def test_stall_past_the_read_timeout_is_retried(httpserver: HTTPServer) -> None:
    calls = []

    def handler(_r: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.0)
        return Response("ok")

    httpserver.expect_request("/slow").respond_with_handler(handler)
    # Real sleeps here: the test server answers one request at a time, so the retry waits out the stall.
    http = HttpSession(HttpPolicy(read_timeout_s=0.3, max_retries=2, backoff_s=1.0))
    _response, body = http.get(httpserver.url_for("/slow"), source="test")
    assert body == b"ok" and len(calls) == 2


def test_response_larger_than_the_limit_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    http, _ = session(max_response_bytes=1000)
    with pytest.raises(PermanentFetchError, match="exceeds the 1000-byte limit"):
        http.get(httpserver.url_for("/big"), source="test")


@pytest.fixture
def raw_server() -> Iterator[tuple[int, list[str]]]:
    """A socket server: the first connection is reset mid-body, the next gets a whole answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    seen: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            seen.append("request")
            if len(seen) == 1:
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"data": [1, 2')
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # RST: connection reset mid-body
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, seen
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_connection_reset_mid_body_is_retried(raw_server: tuple[int, list[str]]) -> None:
    port, seen = raw_server
    http, sleeps = session(max_retries=2, backoff_s=0.01)
    _response, body = http.get(f"http://127.0.0.1:{port}/data", source="test")
    assert body == b"ok" and len(seen) == 2 and len(sleeps.calls) == 1


def test_min_interval_spaces_calls_per_source(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data").respond_with_data("ok")
    http = HttpSession(HttpPolicy(min_interval_s={"slow": 0.2}))
    started = time.monotonic()
    for _ in range(3):
        http.get(httpserver.url_for("/data"), source="slow")
    assert time.monotonic() - started >= 0.4


def test_redact_url_masks_key_parameters_and_secret_values() -> None:
    url = f"https://apis.example/x?serviceKey={SECRET}&strtYymm=202601&note=abc{SECRET}"
    safe = redact_url(url, [SECRET])
    assert SECRET not in safe and "serviceKey=***" in safe and "strtYymm=202601" in safe


def test_a_source_that_cannot_be_reached_is_skipped_after_three_failed_connections() -> None:
    with socket.socket() as s:  # a port nobody listens on: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http, sleeps = session(max_retries=5, backoff_s=0.01)
    with pytest.raises(TransientFetchError):
        http.get(f"http://127.0.0.1:{port}/x", source="down")
    assert len(sleeps.calls) == 2  # three refused connections, then the circuit opens
    from extractors.errors import SourceUnavailable

    with pytest.raises(SourceUnavailable, match="last 3 connections"):
        http.get(f"http://127.0.0.1:{port}/y", source="down")
    assert len(sleeps.calls) == 2
