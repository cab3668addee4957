"""`make ui`: the Prefect UI with tradeflow's deployments, offline, in one command.

Starts the replay server of sample releases, a Prefect server whose home is `data/ui/prefect` (its runs
never mix with anyone else's), and `tradeflow serve` against both; prints where to click; Ctrl-C stops all
three. The warehouse is `data/ui/tradeflow.db`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from demo.replay import ReplayServer
from flows.prefect_api import _die_with_parent

HERE = Path(__file__).resolve().parent
DATA = Path("data") / "ui"
MONTHS = ("2026-08", "2026-09")  # what the sample releases hold


def _port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches this script, which stops them in order
        preexec_fn=_die_with_parent,
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the Prefect server exited (code {process.returncode}); see {DATA / 'prefect.log'}"
            )
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the Prefect server did not answer in {seconds:.0f} s; see {DATA / 'prefect.log'}")


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    port = _port(4200)
    api = f"http://127.0.0.1:{port}/api"
    processes: list[subprocess.Popen[bytes]] = []
    with ReplayServer() as replay:
        env = {
            **os.environ,
            "PREFECT_HOME": str((DATA / "prefect").resolve()),
            "PREFECT_API_URL": api,
            "PREFECT_UI_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **replay.base_urls(),
            "TRADEFLOW_CONFIG": str(HERE / "tradeflow.toml"),
            "TRADEFLOW_DATABASE_URL": f"sqlite:///{(DATA / 'tradeflow.db').resolve()}",
            "TRADEFLOW_DATA_DIR": str((DATA / "data").resolve()),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
        }
        try:
            print(
                f"starting the Prefect server on http://127.0.0.1:{port} (home {DATA / 'prefect'}) ...",
                flush=True,
            )
            server = _start(
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env,
                DATA / "prefect.log",
            )
            processes.append(server)
            _wait_healthy(api, server)
            print("starting `tradeflow serve` against the replay server ...", flush=True)
            processes.append(_start([sys.executable, "-m", "flows", "serve"], env, DATA / "serve.log"))
            print(
                f"""
The Prefect UI: http://127.0.0.1:{port}
  Deployments > backfill > Run > Custom run: start month {MONTHS[0]}, end month {MONTHS[1]},
  pick two sources, Submit. The run's page shows each month as it ends; its Artifacts tab the month x
  source grid. The sample releases hold {MONTHS[0]} to 2026-10.
Logs: {DATA / "prefect.log"}, {DATA / "serve.log"}. Warehouse: {DATA / "tradeflow.db"}.
Ctrl-C stops everything.""",
                flush=True,
            )
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            stopped = next(p for p in processes if p.poll() is not None)
            print(f"a process stopped (code {stopped.returncode}); see the logs in {DATA}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nstopping ...", flush=True)
            return 0
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in reversed(processes):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
