"""Reading SQLite's views with declared column types (migration 0011) against the same views untyped.

Each typed view is an empty typed arm UNION ALL the original query (warehouse/sqlite_views.py); the
baseline is the original query created beside it as `<view>_untyped`, over the same warehouse in the same
run. The reads are the ones downstream tools make: one line of `trade_flow_latest`, the revised figures of
`trade_flow_first_vs_latest`, one pair of `mirror_flows`, and the whole of `source_freshness`.

python -m bench.view_types_case SQLITE_URL ROWS    (prints one JSON line)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from functools import partial

from sqlalchemy import text

from bench.warehouse_case import _info
from bench.workloads import canonical_rows, change_values, median_s
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.sqlite_views import untyped_body
from warehouse.upsert import upsert_release

READS = {
    "trade_flow_latest": "reporter = '{reporter}' AND partner = '{partner}' AND commodity_code = '{code}'",
    "trade_flow_first_vs_latest": "revisions > 0",
    "mirror_flows": "exporter = '{reporter}' AND importer = '{partner}'",
    "source_freshness": "1 = 1",
}


def main() -> None:
    url, rows = sys.argv[1], int(sys.argv[2])
    engine = create_warehouse_engine(url)
    upgrade(engine)
    figures = canonical_rows(rows)
    upsert_release(engine, figures, _info("types-1"))
    upsert_release(engine, change_values(figures, 0.01), _info("types-2"))
    line = figures.iloc[0]
    out: dict[str, object] = {"figures": len(figures), "date": dt.date.today().isoformat()}
    with engine.begin() as conn:
        for view in READS:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (view,)).scalar_one()
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {view}_untyped")
            conn.exec_driver_sql(f"CREATE VIEW {view}_untyped AS {untyped_body(sql)}")

    def read(name: str, where: str) -> int:
        with engine.connect() as conn:
            return len(conn.execute(text(f"SELECT * FROM {name} WHERE {where}")).all())

    for view, template in READS.items():
        where = template.format(
            reporter=line["reporter"], partner=line["partner"], code=line["commodity_code"]
        )
        assert read(view, where) == read(f"{view}_untyped", where)
        out[view] = {
            "rows": read(view, where),
            "untyped_s": median_s(partial(read, f"{view}_untyped", where)),
            "typed_s": median_s(partial(read, view, where)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
