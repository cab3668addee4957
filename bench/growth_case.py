"""Reading one line's growth figures (`tradeflow headline`, `chart`, the nightly headlines) on a warehouse of
realistic size, against reading the same line's plain figures from trade_flow_latest, and against
filtering the view trade_flow_growth itself.

python -m bench.growth_case DB_URL ROWS    (prints one JSON line; ROWS figures over two years)
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from sqlalchemy import text

from bench.warehouse_case import _info
from bench.workloads import canonical_rows, median_s
from transforms.headline import select
from warehouse.engine import create_warehouse_engine
from warehouse.growth import read_line
from warehouse.migrate import upgrade
from warehouse.upsert import upsert_release

_LINE = "source = :s AND reporter = :r AND partner = :p AND flow = :f AND commodity_code = :c"


def main() -> None:
    url, rows = sys.argv[1], int(sys.argv[2])
    engine = create_warehouse_engine(url)
    upgrade(engine)
    year = canonical_rows(rows // 2)
    before = year.assign(period=[p.replace(year=2024) for p in year["period"]])
    upsert_release(engine, before, _info("growth-2024"))
    upsert_release(engine, year, _info("growth-2025"))
    # The line with the most months: a figure a year earlier and a year to date to compute.
    key = ["reporter", "partner", "flow", "commodity_code"]
    reporter, partner, flow, code = (str(v) for v in year.groupby(key).size().sort_values().index[-1])
    params = {"s": "bench", "r": reporter, "p": partner, "f": flow, "c": code}
    selection = select("bench", reporter, partner, flow, code, {})

    def plain() -> object:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT * FROM trade_flow_latest WHERE {_LINE}"), params).all()

    def view() -> list[object]:
        with engine.connect() as conn:
            return list(conn.execute(text(f"SELECT * FROM trade_flow_growth WHERE {_LINE}"), params).all())

    months = len(read_line(engine, selection)[0])
    assert months == len(view()), "the line's reader and the view disagree"
    out = {
        "figures": rows // 2 * 2,
        "line_months": months,
        "plain_s": median_s(plain),
        "read_line_s": median_s(lambda: read_line(engine, selection)),
        "view_s": median_s(view, runs=3),
        "date": dt.date.today().isoformat(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
