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
    for fixture in ("exports_hs_2026-01.json", "imports_hs_2026-01.json"):
        doc = json.loads((FIX / "us_census" / fixture).read_bytes())
        for column, name in enumerate(doc[0]):
            for value in JSON_VALUES:
                changed = copy.deepcopy(doc)
                changed[1][column] = value
                yield f"{fixture} {name}={value!r:.40}", json.dumps(changed).encode()


def _korea() -> Iterator[tuple[str, bytes]]:
    for fixture in ("nitemtrade_8542_CN_202603.xml", "itemtrade_8542_202603.xml"):
        body = (FIX / "kr_customs" / fixture).read_text(encoding="utf-8")
        item = body.index("<item>")
        while "<year>총계</year>" in body[item : body.index("</item>", item)]:
            item = body.index("<item>", item + 1)  # the first month's item, not the grand total
        end = body.index("</item>", item)
        for field in re.finditer(r"<(\w+)>([^<]*)</\1>", body[item:end]):
            start, stop = item + field.start(2), item + field.end(2)
            for value in TEXTS:
                changed = body[:start] + html.escape(value) + body[stop:]
                yield f"{fixture} {field.group(1)}={value!r:.40}", changed.encode()


def _korea_flash() -> Iterator[tuple[str, bytes]]:
    fixture = "getCntyMmUtPrviImpAcrs_202301.xml"
    body = (FIX / "kr_customs_flash" / fixture).read_text(encoding="utf-8")
    item = body.index("<item>", body.index("</item>"))  # the second window, days 1-20
    end = body.index("</item>", item)
    for field in re.finditer(r"<(\w+)>([^<]*)</\1>", body[item:end]):
        start, stop = item + field.start(2), item + field.end(2)
        for value in TEXTS:
            changed = body[:start] + html.escape(value) + body[stop:]
            yield f"{fixture} {field.group(1)}={value!r:.40}", changed.encode()


def _gacc() -> Iterator[tuple[str, bytes]]:
    for fixture in ("table4_by_country_2026-02_usd.html", "table5_major_exports_2025-02_usd.html"):
        body = (FIX / "cn_customs" / fixture).read_text(encoding="utf-8")
        # Each text of the table from its title line down to its first row of figures (title, unit line,
        # every header cell, that row's label and figures), then the page title's last month and year.
        places: list[tuple[int, int]] = []
        table = body.index("<table")
        for row in re.finditer(r"<tr.*?</tr>", body[table:], re.DOTALL):
            at = table + row.start()
            texts = list(re.finditer(r">([^<>]*\S[^<>]*)<", row.group(0)))
            places += [(at + m.start(1), at + m.end(1)) for m in texts]
            if any(re.fullmatch(r"\s*-?[\d,]+\.\d+\s*", m.group(1)) for m in texts):
                break
        title = re.search(r"Jan-(\w+) (\d{4})", body)
        assert title is not None
        places += [title.span(1), title.span(2)]
        for start, stop in places:
            for value in TEXTS:
                changed = body[:start] + html.escape(value) + body[stop:]
                yield f"{fixture} {body[start:stop].strip()[:30]!r}@{start}={value!r:.40}", changed.encode()


def _comext() -> Iterator[tuple[str, bytes]]:
    for fixture in ("ds045409_EU27_2020_2026-09.csv", "ds045409_flags_2026-09.csv"):
        lines = (FIX / "eurostat_comext" / fixture).read_text(encoding="utf-8").splitlines()
        header, first = lines[0].split(","), lines[1].split(",")
        for column, name in enumerate(header):
            for value in TEXTS:
                cells = [*first]
                cells[column] = value.replace(",", "")  # a comma would make another column, not a value
                changed = [lines[0], ",".join(cells), *lines[2:]]
                yield f"{fixture} {name}={value!r:.40}", ("\r\n".join(changed) + "\r\n").encode()


CASES = {"un_comtrade": (_comtrade, "json"), "us_census": (_census, "json"), "kr_customs": (_korea, "xml")}
CASES["cn_customs"] = (_gacc, "html")
CASES["eurostat_comext"] = (_comext, "csv")
CASES["kr_customs_flash"] = (_korea_flash, "xml")
SCOPE = {"kr_customs_flash": "partners:import"}  # its answers do not say which service they are


@pytest.mark.parametrize("source", sorted(CASES))
def test_each_field_set_to_each_meaningful_value(source: str) -> None:
    cases, ext = CASES[source]
    tried, escaped = 0, []
    for label, body in cases():
        try:
            parse_or_documented_error(source, body, ext, SCOPE.get(source, ""))
        except Exception as exc:  # every escape is listed below, not just the first
            escaped.append(f"{label}: {type(exc).__name__}: {str(exc)[:200]}")
        tried += 1
    assert not escaped, "\n".join(escaped)
    assert tried >= 10 * len(TEXTS), tried  # every field was reached
