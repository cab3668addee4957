"""`make demo`: the whole pipeline, offline: a replay server, the nightly flow, a backfill, the status grid.

The story, on a simulated calendar: the nightly of 2026-11-10 loads the recent months (Korea Customs'
preliminary figures, kr_customs_flash, from 2025-10: days 1-10, 1-20 and the whole month); a backfill
loads Comtrade's and Korea Customs' 19 months before them (a year earlier to compare with); Korea Customs
refreshes its data on the 15th (demo/refreshed/) and a backfill of October finds the revised figures; the
nightly of 2026-11-30 loads what came out since (Comext's September, November's days 1-10 and 1-20).

The warehouse goes to data/demo.db (the raw archive to data/demo/), so the demo never touches
data/tradeflow.db. README's "Using the data" examples read it. Run it again to see nothing new found.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from demo.make_releases import HISTORY, MONTHS, REFRESHED
from demo.replay import DEFAULT_ROOT, ReplayServer

HERE = Path(__file__).resolve().parent
HINT = """
README's "Using the data" examples read this warehouse once pointed at it:
  source .venv/bin/activate
  export TRADEFLOW_DATABASE_URL=sqlite:///data/demo.db
"""
QUERY = """
SELECT source, reporter, partner, flow, commodity_code, substr(period, 1, 7) AS month, period_months,
       period_days, printf('%.0f', value) AS value, currency, provisional
FROM trade_flow
WHERE ((reporter = 'KOR' AND partner = 'CHN') OR (reporter = 'CHN' AND partner = 'KOR'))
   OR (reporter = 'EUU' AND partner IN ('KOR', 'CHN') AND commodity_code = '8542')
ORDER BY month DESC, source, flow, period_days
LIMIT 16
"""
MIRROR = """
SELECT exporter, importer, commodity_code, substr(period, 1, 7) AS month, export_source, import_source,
       printf('%.0f', export_value) AS export_usd, printf('%.0f', import_value) AS import_usd,
       export_currency || '/' || import_currency AS published_in, printf('%.3f', gap_ratio) AS gap_ratio
FROM mirror_flows
WHERE 'EUU' IN (exporter, importer)
ORDER BY month DESC, exporter
"""


def main() -> int:
    data = Path("data")
    db = data / "demo.db"
    with ReplayServer() as server, tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            **server.base_urls(),
            "TRADEFLOW_CONFIG": str(HERE / "tradeflow.toml"),
            "TRADEFLOW_DATABASE_URL": f"sqlite:///{db}",
            "TRADEFLOW_DATA_DIR": str(data / "demo"),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # The demo's Prefect runs stay out of the user's ~/.prefect.
            "PREFECT_HOME": str((data / "demo" / "prefect").resolve()),
        }
        env.pop("PREFECT_API_URL", None)
        cli = [sys.executable, "-m", "flows"]
        (data / "demo" / "prefect").mkdir(parents=True, exist_ok=True)
        print(f"replay server on {server.url}; warehouse {db}", flush=True)

        def step(args: list[str], note: str = "") -> int:
            print(f"\n$ tradeflow {' '.join(args)}{note}", flush=True)
            return subprocess.run([*cli, *args], env=env).returncode

        failed = step(["nightly", "--as-of", "2026-11-10"])
        failed |= step(["backfill", "--start", HISTORY[0], "--end", HISTORY[-1], "--source", "un_comtrade",
                        "--source", "kr_customs"], "   # a year earlier, to compare with")  # fmt: skip
        # Korea Customs' refresh of the 15th: the server now answers with the revised figures. The nightly
        # re-checks Korea's past 12 months once after it; on the demo's simulated calendar (the real clock
        # says that re-check was done) a backfill of the month stands in for it.
        refreshed = Path(scratch) / "releases"
        shutil.copytree(DEFAULT_ROOT, refreshed)
        shutil.copytree(REFRESHED, refreshed, dirs_exist_ok=True)
        server.root = refreshed
        failed |= step(["backfill", "--start", MONTHS[-1], "--end", MONTHS[-1], "--source", "kr_customs"],
                       "   # after Korea Customs' refresh of the 15th")  # fmt: skip
        failed |= step(["nightly", "--as-of", "2026-11-30"])
        print("\n$ tradeflow status", flush=True)
        subprocess.run([*cli, "status"], env=env, check=True)
    print("Korea-China figures, and the EU's chips trade with both, latest first (sqlite3 data/demo.db):")
    _print_query(db, QUERY)
    print(
        "\nThe EU in the mirror view: China's exports against the EU's imports, in US dollars (mirror_flows):"
    )
    _print_query(db, MIRROR)
    print(HINT)
    return failed


def _print_query(db: Path, query: str) -> None:
    with sqlite3.connect(db) as conn:
        cursor = conn.execute(query)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    widths = [max(len(str(x)) for x in [n, *(r[i] for r in rows)]) for i, n in enumerate(names)]
    for row in [names, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
