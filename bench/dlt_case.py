"""The peer a user would pick instead: dlt merging the same rows into the same databases.

python -m bench.dlt_case {sqlite|postgresql} ROWS_PARQUET DATABASE_URL WORKDIR KEY_COLUMNS

Runs in its own virtualenv (`.venv-dlt`, made by `make bench`), because dlt and Prefect pin different
versions of shared libraries; it imports nothing from tradeflow. Loads the rows with
`write_disposition="merge"` and tradeflow's unique key (KEY_COLUMNS, comma separated, passed by
bench.run from `warehouse.key.TRADE_FLOW_KEY`) as the primary key, then loads them again (a
reload: nothing changed). Prints one JSON line with both times and the row count dlt left.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    import dlt
    import pyarrow.parquet as pq

    db, rows_file, url, workdir = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    key = sys.argv[5].split(",")
    table = pq.read_table(rows_file)

    @dlt.resource(name="trade_flow", write_disposition="merge", primary_key=key)
    def figures() -> Any:
        yield table

    if db == "postgresql":
        destination: Any = dlt.destinations.postgres(credentials=url)
    else:
        destination = dlt.destinations.sqlalchemy(credentials=url)
    pipeline = dlt.pipeline(
        pipeline_name=f"tradeflow_bench_{db}",
        destination=destination,
        dataset_name="dlt_bench",
        pipelines_dir=str(workdir / "pipelines"),
    )
    timings = {}
    for step in ("first", "reload"):
        start = time.perf_counter()
        pipeline.run(figures())
        timings[step] = time.perf_counter() - start
    with pipeline.sql_client() as client:
        name = client.make_qualified_table_name("trade_flow")
        stored = client.execute_sql(f"SELECT count(*) FROM {name}")[0][0]
    print(json.dumps({"db": db, "rows": table.num_rows, "stored": stored, **timings}))


if __name__ == "__main__":
    main()
