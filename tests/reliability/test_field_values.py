"""Every field of a real-format record set, one at a time, to each value that means something to some
parser (months 0, 13 and 52, year 0, frequencies, totals, signs, overflow, empty text): the payload is
read, or refused with a documented error. Random fuzzing (test_fuzz.py) rarely lands on such a value in
such a place; this walks them all, deterministically."""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.harness import parse_or_documented_error

FIX = Path(__file__).resolve().parents[1] / "fixtures"

TEXTS = [
    "",
    " ",
    "-",
    "0",
    "-1",
    "1",
    "12",
    "13",
    "52",
    "0000",
    "9999",
    "2026",
    "0000-01",
    "2026-00",
    "2026-13",
    "0000.01",
    "2026.00",
    "2026.13",
    "202613",
    "A",
    "M",
    "Q",
    "X",
    "RM",
    "DX",
    "TOTAL",
    "총계",
    "C00",
    "W00",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1e309",
    "9" * 30,
    "1,234.5",
    "１２",
    "x" * 5000,
]
# JSON adds numbers, booleans, null and containers: the values a record's field can hold that text cannot.
JSON_VALUES: list[Any] = [
    *TEXTS,
    None,
    True,
    False,
    0,
    -1,
    1,
    12,
    13,
    52,
    1000,
    9999,
    10000,
    2**53 + 1,
    2**63,
    2**64,
    -(2**63) - 1,
    0.5,
    -0.0,
    1e308,
    -1e308,
    [],
    {},
    [1],
]


def _comtrade() -> Iterator[tuple[str, bytes]]:
    doc = json.loads((FIX / "un_comtrade" / "preview_C_M_HS_kor_202601.json").read_bytes())
    for field in doc["data"][0]:
        for value in JSON_VALUES:
            changed = copy.deepcopy(doc)
            changed["data"][0][field] = value
            yield f"{field}={value!r:.40}", json.dumps(changed).encode()


def _census() -> Iterator[tuple[str, bytes]]:
    doc = json.loads((FIX / "us_census" / "exports_hs_2026-01.json").read_bytes())
    for column, name in enumerate(doc[0]):
        for value in JSON_VALUES:
            changed = copy.deepcopy(doc)
            changed[1][column] = value
            yield f"{name}={value!r:.40}", json.dumps(changed).encode()


def _korea() -> Iterator[tuple[str, bytes]]:
    body = (FIX / "kr_customs" / "nitemtrade_8542_CN_202603.xml").read_text(encoding="utf-8")
    second = body.index("<item>", body.index("<item>") + 1)  # the first month item (the first is 총계)
    end = body.index("</item>", second)
    for field in re.finditer(r"<(\w+)>([^<]*)</\1>", body[second:end]):
        start, stop = second + field.start(2), second + field.end(2)
        for value in TEXTS:
            changed = body[:start] + html.escape(value) + body[stop:]
            yield f"{field.group(1)}={value!r:.40}", changed.encode()


def _gacc() -> Iterator[tuple[str, bytes]]:
    body = (FIX / "cn_customs" / "table4_by_country_2026-02_usd.html").read_text(encoding="utf-8")
    # Each text in the table from its title line down to the first figures' row (the Total row): title,
    # unit line, every header cell, the row's label and figures; then the page title's month and year.
    table, total_row = body.index("<table"), body.index("</tr>", body.index(">Total<"))
    places = [m.span(1) for m in re.finditer(r">([^<>]*\S[^<>]*)<", body[:total_row]) if m.start() > table]
    places += [m.span(i) for m in [re.search(r"Jan-(Feb) (2026)", body)] if m for i in (1, 2)]
    for start, stop in places:
        for value in TEXTS:
            changed = body[:start] + html.escape(value) + body[stop:]
            yield f"{body[start:stop].strip()[:30]!r}@{start}={value!r:.40}", changed.encode()


CASES = {"un_comtrade": (_comtrade, "json"), "us_census": (_census, "json"), "kr_customs": (_korea, "xml")}
CASES["cn_customs"] = (_gacc, "html")


@pytest.mark.parametrize("source", sorted(CASES))
def test_each_field_set_to_each_meaningful_value(source: str) -> None:
    cases, ext = CASES[source]
    tried, escaped = 0, []
    for label, body in cases():
        try:
            parse_or_documented_error(source, body, ext)
        except Exception as exc:  # every escape is listed below, not just the first
            escaped.append(f"{label}: {type(exc).__name__}: {str(exc)[:200]}")
        tried += 1
    assert not escaped, "\n".join(escaped)
    assert tried >= 10 * len(TEXTS), tried  # every field was reached
