"""`make demo`: the whole pipeline, offline: a replay server, the nightly flow, the status grid, a query.

The warehouse goes to data/demo.db (the raw archive to data/demo/), so the demo never touches
data/tradeflow.db. Run it twice to see the second nightly find nothing new.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from demo.replay import ReplayServer

HERE = Path(__file__).resolve().parent
QUERY = """
SELECT source, reporter, partner, flow, commodity_code, substr(period, 1, 7) AS month, period_months,
       printf('%.0f', value) AS value, currency, provisional
FROM trade_flow
WHERE ((reporter = 'KOR' AND partner = 'CHN') OR (reporter = 'CHN' AND partner = 'KOR'))
   OR (reporter = 'EUU' AND partner IN ('KOR', 'CHN') AND commodity_code = '8542')
ORDER BY month DESC, source, flow
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
    with ReplayServer() as server:
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
        print(f"replay server on {server.url}; warehouse {db}\n", flush=True)
        nightly = subprocess.run([*cli, "nightly", "--as-of", dt.date(2026, 11, 30).isoformat()], env=env)
        print("\n$ tradeflow status", flush=True)
        subprocess.run([*cli, "status"], env=env, check=True)
    print("Korea-China figures, and the EU's chips trade with both, latest first (sqlite3 data/demo.db):")
    _print_query(db, QUERY)
    print(
        "\nThe EU in the mirror view: China's exports against the EU's imports, in US dollars (mirror_flows):"
    )
    _print_query(db, MIRROR)
    return nightly.returncode


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
