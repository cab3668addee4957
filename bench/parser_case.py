"""One parser measurement in its own process (peak RSS is its own). Prints one JSON line.

python -m bench.parser_case SOURCE
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.workloads import comtrade_json, kcs_xml
from extractors import get_extractor
from extractors.base import Payload


def main() -> None:
    source = sys.argv[1]
    makers = {
        "kr_customs": lambda: kcs_xml(50_000),
        "un_comtrade": lambda: comtrade_json(100_000),
        "cn_customs": lambda: Path(
            "tests/fixtures/cn_customs/table4_by_country_2026-02_usd.html"
        ).read_bytes(),
    }
    ext = {"kr_customs": "xml", "un_comtrade": "json", "cn_customs": "html"}[source]
    body = makers[source]()
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    extractor = get_extractor(source)
    start = time.perf_counter()
    raw = extractor.parse(Payload(source, body, "bench://payload", ext))
    rows = extractor.normalize(raw)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "source": source,
                "payload_mb": round(len(body) / 1e6, 1),
                "input_rows": len(raw),
                "rows": len(rows),
                "seconds": seconds,
                "rows_per_s": len(rows) / seconds,
                "input_rows_per_s": len(raw) / seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_before_mb": baseline_rss,
            }
        )
    )


if __name__ == "__main__":
    main()
