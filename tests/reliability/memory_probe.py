"""Parse one generated payload in this process and print the peak memory it took, as JSON.

`python -m tests.reliability.memory_probe SOURCE SHAPE MEBIBYTES`. Run in a fresh process per payload:
the peak resident size (ru_maxrss) is a high-water mark, so each measurement needs its own process.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GACC_TITLE = (
    b"<title>(4) China's Total Export &amp; Import Values by Country/Region, Jan-Feb 2026 (in USD)</title>"
)


def _census_rows(n: int) -> bytes:
    row = '["KOREA, SOUTH","ICS","HS4","812345678","2026-01","{c}","{k:04d}"]'
    count = n // (len(row) + 2)
    head = '[["CTY_NAME","E_COMMODITY_SDESC","COMM_LVL","ALL_VAL_MO","time","CTY_CODE","E_COMMODITY"],'
    return (head + ",".join(row.format(c=5000 + i % 700, k=i % 10000) for i in range(count)) + "]").encode()


def _comtrade_rows(n: int) -> bytes:
    record = json.loads((FIXTURES / "un_comtrade/preview_C_M_HS_kor_202601.json").read_bytes())["data"][0]
    text = json.dumps(record)
    count = n // (len(text) + 1)
    records = ",".join(text.replace('"partnerCode": 156', f'"partnerCode": {i}') for i in range(count))
    return ('{"count": 1, "data": [' + records + '], "error": ""}').encode()


def _kr_items(n: int) -> bytes:
    item = (
        "<item><expDlr>5</expDlr><expWgt>1</expWgt><hsCd>854232</hsCd><impDlr>3</impDlr><impWgt>1</impWgt>"
        "<statCd>CN</statCd><statKor>x</statKor><year>2026.03</year></item>"
    )
    head = "<response><header><resultCode>00</resultCode><resultMsg>ok</resultMsg></header><body><items>"
    return (head + item * (n // len(item)) + "</items></body></response>").encode()


def _comext_lines(n: int) -> bytes:
    head = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
    line = (
        "ESTAT:DS-045409(1.0),15/11/26 11:00:00,M,EU27_2020,KR,{p:08d},1,VALUE_IN_EUROS,2026-09,6123456789\n"
    )
    return (head + "".join(line.format(p=i) for i in range(n // len(line)))).encode()


def _gacc_rows(n: int) -> bytes:
    page = (FIXTURES / "cn_customs/table4_by_country_2026-02_usd.html").read_bytes()
    row = "<tr><td>Land {i}</td>" + "<td>1.0</td>" * 9 + "</tr>"
    rows = "".join(row.format(i=i) for i in range((n - len(page)) // len(row) - 1)).encode()
    return page.replace(b'<tr><td colspan="10">Note', rows + b'<tr><td colspan="10">Note')


SHAPES: dict[tuple[str, str], Callable[[int], bytes]] = {
    ("us_census", "rows"): _census_rows,
    ("us_census", "one long string"): lambda n: b'[["a"],["' + b"x" * (n - 12) + b'"]]',
    ("us_census", "nested"): lambda n: b"[" * n,
    ("un_comtrade", "records"): _comtrade_rows,
    ("un_comtrade", "nested"): lambda n: b'{"data": ' + b"[" * (n - 10),
    ("kr_customs", "items"): _kr_items,
    ("kr_customs", "nested"): lambda n: b"<response>" + b"<a>" * ((n - 30) // 7) + b"</a>" * ((n - 30) // 7),
    ("eurostat_comext", "lines"): _comext_lines,
    ("eurostat_comext", "one long field"): lambda n: b"DATAFLOW,freq\n" + b"x" * (n - 15),
    ("cn_customs", "rows"): _gacc_rows,
    ("cn_customs", "nested"): lambda n: b"<html>" + GACC_TITLE + b"<body>" + b"<div>" * ((n - 200) // 5),
    ("cn_customs", "nested tables"): lambda n: (
        b"<html>" + GACC_TITLE + b"<body>" + b"<table><tr><td>" * (n // 20)
    ),
}


def main(source: str, shape: str, mebibytes: float) -> dict[str, object]:
    from extractors import get_publisher
    from extractors.base import Payload

    body = SHAPES[source, shape](int(mebibytes * 2**20))
    publisher = get_publisher(source)
    payload = Payload(source, body, "file:///probe", "x", None, "")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        publisher.payload_digest(payload)
        rows = len(publisher.normalize(publisher.parse(payload)))
        outcome = f"{rows} rows"
    except Exception as exc:  # what a parse may raise is the test's to judge
        outcome = f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:160]}"
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    return {"bytes": len(body), "peak_bytes": peak, "outcome": outcome}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], float(sys.argv[3]))))
    _ = dt  # datetime is imported so that its import does not count in the measurement
