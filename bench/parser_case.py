"""One parser measurement in its own process (peak RSS is its own). Prints one JSON line.

python -m bench.parser_case SOURCE PAYLOAD_FILE

The payload is read from a file written beforehand, as the flows get it from the network: generating it
here would count the generator's memory as the parser's. Parse + normalise runs five times; the best run
is the figure (as `timeit` advises: on a shared machine the slower runs measure the neighbours) and the
median is reported beside it. Peak RSS is taken after the runs, before the floor. The floor is the bare
decoding of the same bytes (stdlib `json.loads`, or lxml building the whole tree), which does no checking
at all, best of three.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

from bench.memory import peak_rss_mb
from extractors import get_publisher
from extractors.base import Payload

EXT = {"kr_customs": "xml", "un_comtrade": "json", "cn_customs": "html"}


def main() -> None:
    source, path = sys.argv[1], Path(sys.argv[2])
    body = path.read_bytes()
    extractor = get_publisher(source)
    baseline_rss = peak_rss_mb()
    timings: list[float] = []
    for _ in range(5):
        start = time.perf_counter()
        raw = extractor.parse(Payload(source, body, "bench://payload", EXT[source]))
        rows = extractor.normalize(raw)
        timings.append(time.perf_counter() - start)
        input_rows, output_rows = len(raw), len(rows)
        del raw, rows
    peak_rss = peak_rss_mb()
    seconds = min(timings)
    floor: float | None = None
    if EXT[source] in ("json", "xml"):
        floors = []
        for _ in range(3):
            start = time.perf_counter()
            if EXT[source] == "json":
                json.loads(body)
            else:
                etree.fromstring(
                    body, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
                )
            floors.append(time.perf_counter() - start)
        floor = min(floors)
    print(
        json.dumps(
            {
                "source": source,
                "payload_mb": round(len(body) / 1e6, 1),
                "input_rows": input_rows,
                "rows": output_rows,
                "seconds": seconds,
                "median_seconds": statistics.median(timings),
                "rows_per_s": output_rows / seconds,
                "input_rows_per_s": input_rows / seconds,
                "floor_seconds": floor,
                "peak_rss_mb": peak_rss,
                "rss_before_mb": baseline_rss,
            }
        )
    )


if __name__ == "__main__":
    main()
