"""Reading one pair of economies from `mirror_flows` on a warehouse of realistic size: the view as migration
0008 makes it (dollars, and other currencies converted with the month's rate) against the view as it was
(dollars on both sides only, migration 0002), over the same warehouse in the same run.

python -m bench.mirror_case DB_URL ROWS    (prints one JSON line; ROWS dollar figures, half as many in euros)
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys

import pandas as pd
from sqlalchemy import text

from bench.warehouse_case import _info
from bench.workloads import canonical_rows, median_s
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.rates import upsert_exchange_rates
from warehouse.upsert import upsert_release

PAIR = "exporter = 'KOR' AND importer = 'CHN'"


def main() -> None:
    url, rows = sys.argv[1], int(sys.argv[2])
    engine = create_warehouse_engine(url)
    upgrade(engine)
    dollars = canonical_rows(rows)
    upsert_release(engine, dollars, _info("mirror-usd"))
    euros = canonical_rows(rows // 2, seed=7).assign(
        currency="EUR", value=lambda f: (f["value"] / 1.1).round()
    )
    upsert_release(engine, euros.assign(source="bench_eu"), _info("mirror-eur"))
    months = sorted(set(dollars["period"]))
    upsert_exchange_rates(
        engine, pd.DataFrame({"currency": "EUR", "period": months, "usd_per_unit": 1.1}), "bench"
    )
    before = importlib.import_module("warehouse.migrations.versions.0002_views").MIRROR_FLOWS
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW IF EXISTS mirror_flows_0002"))
        conn.execute(text(before.replace("CREATE VIEW mirror_flows", "CREATE VIEW mirror_flows_0002")))

    def read(view: str) -> list[object]:
        with engine.connect() as conn:
            return list(conn.execute(text(f"SELECT * FROM {view} WHERE {PAIR}")).all())

    out = {
        "figures": len(dollars) + len(euros),
        "pairs_0002": len(read("mirror_flows_0002")),
        "pairs_0008": len(read("mirror_flows")),
        "view_0002_s": median_s(lambda: read("mirror_flows_0002")),
        "view_0008_s": median_s(lambda: read("mirror_flows")),
        "date": dt.date.today().isoformat(),
    }
    with engine.begin() as conn:
        conn.execute(text("DROP VIEW mirror_flows_0002"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
