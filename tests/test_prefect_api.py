"""The command line's temporary Prefect server keeps its own output off the terminal, and says why when it
cannot start."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from flows.prefect_api import ServerNotStarted, TemporaryServer


def test_a_server_that_cannot_start_says_why_and_where_its_log_is(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_HOME, temporary_settings

    # Prefect's settings, not the environment: a test session that already read its settings keeps them.
    server = TemporaryServer(startup_timeout_s=60)
    with (
        temporary_settings({PREFECT_HOME: str(tmp_path / "prefect")}),
        socket.socket() as taken,  # another program holds the port the server was given
    ):
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        with pytest.raises(ServerNotStarted) as raised:
            server.start()
    message = str(raised.value)
    log = tmp_path / "prefect" / "temporary-server.log"
    assert message.startswith("the temporary Prefect server exited with code ")
    assert f"its log ({log}) says: [Errno 98]" in message
    assert "address already in use" in message.lower()
    out, err = capfd.readouterr()
    assert "address already in use" not in (out + err).lower()  # in the log, not on the terminal
