"""Bad input from the publisher: every case fails its release alone, with a clear error, writing nothing of
it, while the other releases of the run load (and unknown codes are kept and reported, not refused)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from demo.replay import ReplayServer
from tests.helpers import table_rows
from tests.reliability.harness import (
    assert_failed_cleanly,
    engine_now,
    expected_figures,
    run_backfill,
    stored_figures,
)

pytestmark = pytest.mark.prefect

KR = "kr_customs/nitemtrade_8542_CN_202609.xml"
UN = "un_comtrade/410_202609.json"
CN = "cn_customs/demo-table4-usd-2026-09.html"

BOMB = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><response><header><resultCode>00</resultCode>
<resultMsg>&lol4;</resultMsg></header><body><items/></body></response>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><response><header>
<resultCode>00</resultCode><resultMsg>&xxe;</resultMsg></header><body><items><item><year>2026.09</year>
<hsCd>854232</hsCd><statCd>CN</statCd><statKor>&xxe;</statKor><expDlr>1</expDlr><expWgt>1</expWgt><impDlr>1</impDlr>
<impWgt>1</impWgt></item></items></body></response>"""


def replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)

    return edit


def duplicate_first_item(text: str) -> str:
    start = text.index("<item>")
    end = text.index("</item>") + len("</item>")
    return text[:end] + text[start:end] + text[end:]


SCENARIOS: dict[str, tuple[str, Callable[[str], str], list[str], str]] = {
    "malformed JSON": (UN, lambda t: t[: len(t) // 3] + "}}]", ["un_comtrade", "kr_customs"], "not JSON"),
    "malformed XML": (
        KR,
        lambda t: t.replace("</items>", "</itemz>"),
        ["kr_customs", "cn_customs"],
        "not well-formed",
    ),
    "malformed HTML (no table left)": (
        CN,
        lambda t: t[: t.index("<table>")] + "<p>garbage<b>",
        ["cn_customs", "kr_customs"],
        "no HTML table",
    ),
    "XML entity-expansion bomb": (KR, lambda _t: BOMB, ["kr_customs", "cn_customs"], "unsafe XML"),
    "XML external entity": (KR, lambda _t: EXTERNAL, ["kr_customs", "cn_customs"], "unsafe XML"),
    "table columns renamed": (
        CN,
        replace("<td>Export</td><td>Export</td>", "<td>Re-shipment</td><td>Re-shipment</td>"),
        ["cn_customs", "kr_customs"],
        "not a known column",
    ),
    "table columns moved": (
        CN,
        replace(
            "<td>Import Source</td><td>Export &amp; Import</td>",
            "<td>Export &amp; Import</td><td>Import Source</td>",
        ),
        ["cn_customs", "kr_customs"],
        "not a known column",
    ),
    "value that is not a number (XML)": (
        KR,
        replace("<expDlr>5100000000</expDlr>", "<expDlr>N/A</expDlr>"),
        ["kr_customs", "cn_customs"],
        "not a finite number",
    ),
    "value that is not a number (HTML)": (
        CN,
        replace("131.0 </td>", "13l.0 </td>"),
        ["cn_customs", "kr_customs"],
        "is not a number",
    ),
    "value that is not a number (JSON)": (
        UN,
        replace('"primaryValue": 4300000000.0', '"primaryValue": "4.3bn"'),
        ["un_comtrade", "kr_customs"],
        "un_comtrade 2026-09",
    ),
    "negative value": (
        KR,
        replace("<expDlr>5100000000</expDlr>", "<expDlr>-5100000000</expDlr>"),
        ["kr_customs", "cn_customs"],
        "negative",
    ),
    "absurd value": (
        UN,
        replace('"primaryValue": 4300000000.0', '"primaryValue": 4.3e+18'),
        ["un_comtrade", "kr_customs"],
        "absurd",
    ),
    "duplicate rows": (KR, duplicate_first_item, ["kr_customs", "cn_customs"], "more than once"),
    "a release for another month": (
        KR,
        lambda t: t.replace("<year>2026.09</year>", "<year>2026.08</year>"),
        ["kr_customs", "cn_customs"],
        "not the requested month",
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_bad_release_fails_alone(
    scenario: str, rel_env: dict[str, str], releases: Path, replay: ReplayServer
) -> None:
    name, edit, sources, expect = SCENARIOS[scenario]
    path = releases / name
    clean_root = releases.parent / "clean"
    if not clean_root.exists():
        import shutil

        shutil.copytree(releases, clean_root)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    outcomes = run_backfill(sources)
    source = name.split("/")[0]
    message = assert_failed_cleanly(engine_now(), clean_root, sources, source, "2026-09", outcomes, expect)
    assert "root:" not in message  # nothing of /etc/passwd, ever
    dump = str(table_rows(engine_now(), "trade_flow")) + str(
        table_rows(engine_now(), "ingest_status", order="source, scope, period")
    )
    assert "root:x:" not in dump and "lolololol" not in dump


def test_unknown_codes_are_kept_and_reported(rel_env: dict[str, str], releases: Path) -> None:
    path = releases / KR
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("<statCd>CN</statCd>", "<statCd>QQ</statCd>", 1).replace(
            "<hsCd>854231</hsCd>", "<hsCd>8542319999</hsCd>", 1
        ),
        encoding="utf-8",
    )
    outcomes = run_backfill(["kr_customs"])
    assert {o.state for o in outcomes} == {"loaded"}
    engine = engine_now()
    figures = stored_figures(engine)
    kept = {f for f in figures if f[2] == "kr_customs:QQ"}
    assert {f[4] for f in kept} == {"8542319999"}  # kept with its code, HSK 10 digits, not dropped
    assert len(figures) == len(expected_figures(releases, ["kr_customs"]))
    (status,) = [
        r
        for r in table_rows(engine, "ingest_status", order="period")
        if str(r["period"]).startswith("2026-09")
    ]
    assert "kept unmapped area codes: kr_customs:QQ" in status["message"]
