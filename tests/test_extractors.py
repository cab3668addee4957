"""Parser and transform quirks, on small fixtures written in the publishers' real formats."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from extractors import get_extractor
from extractors.base import ParseError, Payload, PublisherError
from transforms.schema import coerce_canonical, validate_canonical

FIX = Path(__file__).parent / "fixtures"


def payload(
    source: str, name: str | None = None, content: bytes | None = None, fetched_at: dt.datetime | None = None
) -> Payload:
    body = content if content is not None else (FIX / str(name)).read_bytes()
    kw = {"fetched_at": fetched_at} if fetched_at else {}
    return Payload(source, body, f"file:///fixtures/{name or 'inline'}", "x", **kw)  # type: ignore[arg-type]


def rows(source: str, p: Payload) -> pd.DataFrame:
    ext = get_extractor(source)
    return validate_canonical(ext.normalize(ext.parse(p)))


# ---------------------------------------------------------------------------------------- kr_customs


def test_korea_grand_total_anywhere_is_not_a_month_and_codes_are_kept() -> None:
    out = rows("kr_customs", payload("kr_customs", "kr_customs/nitemtrade_8542_CN_202603.xml"))
    assert len(out) == 6 and set(out["period"]) == {dt.date(2026, 3, 1)}
    assert 5_000_000_000 not in set(out["value"])
    hsk = out[out["commodity_code"] == "8542320000"]
    assert set(hsk["commodity_system"]) == {"HSK"}
    assert set(out[out["commodity_code"] == "854239"]["partner"]) == {"kr_customs:QQ"}
    exp = out[(out["commodity_code"] == "854232") & (out["flow"] == "export")].iloc[0]
    assert (exp["value"], exp["net_weight_kg"], exp["valuation"]) == (3_500_000_000, 120_000, "FOB")


def test_korea_itemtrade_is_world_and_nationtrade_is_all_goods() -> None:
    item = rows("kr_customs", payload("kr_customs", "kr_customs/itemtrade_8542_202603.xml"))
    assert set(item["partner"]) == {"WLD"} and set(item["commodity_code"]) == {"854232"} and len(item) == 2
    nation = rows("kr_customs", payload("kr_customs", "kr_customs/nationtrade_CN_202603.xml"))
    assert set(nation["commodity_system"]) == {"TOTAL"} and set(nation["partner"]) == {"CHN"}
    assert nation["net_weight_kg"].isna().all()  # expCnt/impCnt are declaration counts, not weights
    assert sorted(nation["value"]) == [9_500_000_000, 11_000_000_000]


@pytest.mark.parametrize(
    ("fetched", "provisional"),
    [(dt.datetime(2026, 4, 10, tzinfo=dt.UTC), True), (dt.datetime(2026, 4, 16, tzinfo=dt.UTC), False)],
)
def test_korea_month_is_provisional_until_the_mid_month_refresh(
    fetched: dt.datetime, provisional: bool
) -> None:
    out = rows(
        "kr_customs", payload("kr_customs", "kr_customs/itemtrade_8542_202603.xml", fetched_at=fetched)
    )
    assert set(out["provisional"]) == {provisional}


def test_korea_result_code_99_with_http_200_is_a_publisher_error() -> None:
    with pytest.raises(PublisherError) as err:
        rows("kr_customs", payload("kr_customs", "kr_customs/result99.xml"))
    assert err.value.code == "99" and "최대 1년" in str(err.value)


def test_korea_empty_answer_is_zero_rows() -> None:
    assert rows("kr_customs", payload("kr_customs", "kr_customs/empty_202612.xml")).empty


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><response><header><resultCode>&lol3;</resultCode></header></response>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<response><header><resultCode>00</resultCode><resultMsg>&xxe;</resultMsg></header><body><items/></body></response>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, b"<response><header>", b"<html><body>502</body></html>"])
def test_korea_unsafe_or_malformed_xml_is_refused(body: bytes) -> None:
    with pytest.raises(ParseError) as err:
        rows("kr_customs", payload("kr_customs", content=body))
    assert "root:" not in str(err.value)  # nothing from /etc/passwd


def _kcs_item(fields: dict[str, str]) -> str:
    return "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</item>"


def _kcs_large(
    items: int, *, root: str = "", head: str = "", first_item: str = "", encoding: str = "UTF-8"
) -> bytes:
    """An nitemtrade answer of several MiB (read in 256 KiB batches on several threads), with names
    holding tabs, newlines and runs of spaces, a grand total in the middle, an item of 300 KB (longer than
    a batch) and statCd only on the last item. `root` goes into the root's start tag, `head` into the
    header, `first_item` into the first item's name, all as written."""
    written = []
    for i in range(items):
        fields = {
            "balPayments": str(i),
            "expDlr": str(1000 + i),
            "expWgt": str(i % 97),
            "hsCd": f"{854200 + i % 40}",
            "impDlr": str(2000 + i),
            "impWgt": str(i % 89),
            "statKor": f"  집적회로\t부분품 \n {i % 13}  " + ("긴 이름 " * 30_000 if i == items // 3 else ""),
            "year": "총계" if i == items // 2 else f"2026.{i % 6 + 1:02d}",
        }
        if i == 0:
            fields["statKor"] += first_item
        if i == items - 1:
            fields["statCd"] = "CN"
        written.append(fields)
    body = "".join(_kcs_item(f) for f in written)
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?><response{root}><header><resultCode>00</resultCode>'
        f"<resultMsg>OK</resultMsg><hsCode>not an item field</hsCode>{head}</header>"
        f"<body><items>\n{body}\n</items><numOfRows>{items}</numOfRows></body></response>"
    )
    return xml.encode(encoding)


# Answers the parallel reader must not cut (it hands them to the streaming reader), each with a trap
# for a reader that cut them anyway: rows that are not items, a batch end inside a comment or CDATA, a
# namespace prefix declared outside the batch, bytes in another encoding than UTF-8.
NOT_PLAIN = {
    "comment-before-items": {"head": "<!-- <items><item><year>2026.01</year><expDlr>9</expDlr></item> -->"},
    "pi-before-items": {"head": "<?note <items><item><year>2026.01</year></item></items> ?>"},
    "namespace-in-scope": {"root": ' xmlns:x="urn:x"', "first_item": "<x:b>in bold</x:b>"},
    "cdata-in-an-item": {"first_item": "<![CDATA[" + "x" * 300_000 + " a </item> in a name ]]>"},
    "comment-in-items": {"first_item": "<!--" + "x" * 300_000 + " </item> -->"},
    "euc-kr": {"encoding": "EUC-KR"},
}


@pytest.mark.parametrize(
    ("variant", "reader"),
    [("plain", "parallel"), ("plain-streamed", "streaming"), ("rows-before-parsing-on", "streaming")]
    + [(name, "streaming") for name in NOT_PLAIN],
)
def test_korea_large_answer_read_in_batches_matches_a_plain_tree_walk(
    variant: str, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both readers (the parallel one that cuts the bytes into batches, the streaming one that moves
    batches out of the tree) against the simplest correct reading: the whole tree, field by field.
    Waiting for each batch's rows before the streaming parser reads on makes a half-built item moved
    into a batch show as a short row."""
    from lxml import etree

    from extractors import kr_customs

    streamed = []
    read_streaming = kr_customs._read_streaming

    def spy(*args: object) -> object:
        streamed.append(True)
        return read_streaming(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(kr_customs, "_read_streaming", spy)
    if variant in ("plain-streamed", "rows-before-parsing-on"):
        monkeypatch.setattr(kr_customs, "_read_cut", lambda *args: None)
    if variant == "rows-before-parsing-on":
        submit = kr_customs._BatchRows.submit

        def submit_and_wait(self: kr_customs._BatchRows, items: etree._Element, upto: int) -> None:
            submit(self, items, upto)
            self._pending[-1].result()

        monkeypatch.setattr(kr_customs._BatchRows, "submit", submit_and_wait)
    content = _kcs_large(20_000, **NOT_PLAIN.get(variant, {}))
    assert len(content) > 3 * 2**20  # several batches
    raw = get_extractor("kr_customs").parse(payload("kr_customs", content=content))
    assert bool(streamed) == (reader == "streaming")
    tree = etree.fromstring(content)
    expected = [
        {
            name: " ".join(item.xpath(f"string({name})").split())  # the string value, as XSLT reads it
            for name in ("year", "hsCd", "statKor", "expDlr")
        }
        for item in tree.iterfind("body/items/item")
    ]
    assert len(raw) == len(expected) == 20_000
    got = raw[["year", "hsCd", "statKor", "expDlr"]].to_dict("records")
    assert got == expected
    assert set(raw["endpoint"]) == {"nitemtrade"}  # <hsCode> in the header does not make it itemtrade
    assert raw["statCd"].iloc[-1] == "CN" and (raw["statCd"].iloc[:-1] == "").all()  # seen in the last batch
    out = get_extractor("kr_customs").normalize(raw)
    assert len(out) == 2 * (20_000 - 1)  # export and import per item, the grand total dropped


def _kcs_small(header: str = "", items: str = "", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><response><header><resultCode>00</resultCode>'
        f"{header}</header><body><items>{items}</items></body></response>"
    ).encode(encoding)


FAKE_ITEMS = (
    "<items><item><year>2026.01</year><hsCd>854232</hsCd><expDlr>9</expDlr><impDlr>9</impDlr></item></items>"
)


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (_kcs_small(f"<!-- {FAKE_ITEMS} -->"), []),
        (_kcs_small(f"<?note {FAKE_ITEMS} ?>"), []),
        (_kcs_small(f"<old>{FAKE_ITEMS}</old>"), []),  # an items element, but not body/items
        (
            _kcs_small(
                items=FAKE_ITEMS[7:-8].replace("<year>", "<statKor>Ã©</statKor><year>"), encoding="ISO-8859-1"
            ),
            ["Ã©"],
        ),
    ],
    ids=["items-in-a-comment", "items-in-a-pi", "items-outside-body", "latin-1"],
)
def test_korea_only_body_items_are_items_in_any_encoding(content: bytes, names: list[str]) -> None:
    """Traps for a reader that cuts the bytes at the first `<items>`: items in a comment, a processing
    instruction or another element are not the answer's (it has none), and a Latin-1 name whose bytes
    happen to be valid UTF-8 ("Ã©" is C3 A9, which UTF-8 reads as "é") keeps its declared encoding."""
    raw = get_extractor("kr_customs").parse(payload("kr_customs", content=content))
    assert raw["statKor"].tolist() == names


@pytest.mark.parametrize("broken", ["truncated", "bad-tag-mid-way"])
def test_korea_malformed_after_the_first_batches_is_refused_and_leaves_no_thread(broken: str) -> None:
    import threading

    content = _kcs_large(20_000)
    if broken == "truncated":
        content = content[: len(content) * 2 // 3]
    else:  # every batch but one parses: the parallel reader gives up, the streaming one says why
        at = content.index(b"</expDlr>", len(content) // 2)
        content = content[:at] + b"</expDIr>" + content[at + len(b"</expDlr>") :]
    before = threading.active_count()
    with pytest.raises(ParseError, match="not well-formed"):
        get_extractor("kr_customs").parse(payload("kr_customs", content=content))
    assert threading.active_count() == before


def test_contract_frame_fills_optional_columns_and_refuses_a_column_built_in_the_wrong_type() -> None:
    """The normalisers' fast path skips the per-value coercion, so it checks each column's type."""
    import numpy as np

    from transforms.schema import SchemaError, contract_frame

    built = {
        "source": "kr_customs",
        "reporter": "KOR",
        "partner": np.array(["CHN", "WLD"], dtype=object),
        "flow": "export",
        "commodity_system": "HS",
        "commodity_code": np.array(["854232", "854239"], dtype=object),
        "period": np.array([dt.date(2026, 3, 1)] * 2, dtype=object),
        "period_months": 1,
        "value": np.array([1.5, 2.0]),
        "currency": "USD",
    }
    frame = contract_frame(built, 2)
    assert frame.equals(coerce_canonical(frame)) and frame.equals(validate_canonical(frame))
    assert frame["valuation"].tolist() == ["", ""] and frame["quantity_unit"].tolist() == [None, None]
    assert frame["net_weight_kg"].isna().all() and not frame["provisional"].any()
    with pytest.raises(SchemaError, match=r"'value'.*built as object"):
        contract_frame(built | {"value": np.array(["1.5", "2"], dtype=object)}, 2)
    with pytest.raises(SchemaError, match=r"'period_months'.*built as float64"):
        contract_frame(built | {"period_months": 1.0}, 2)
    with pytest.raises(SchemaError, match=r"'currency'.*missing"):
        contract_frame({k: v for k, v in built.items() if k != "currency"}, 2)


# --------------------------------------------------------------------------------------- un_comtrade


def test_comtrade_keeps_the_aggregate_slice_and_documented_areas() -> None:
    out = rows("un_comtrade", payload("un_comtrade", "un_comtrade/preview_C_M_HS_kor_202601.json"))
    assert len(out) == 6  # the mode-of-transport and customs-procedure breakdown rows are left out
    ic = out[(out["commodity_code"] == "8542") & (out["partner"] == "CHN") & (out["flow"] == "export")].iloc[
        0
    ]
    assert ic["value"] == 4_100_000_000 and ic["net_weight_kg"] == 130_000 and ic["quantity"] == 5.2e9
    assert set(out[out["partner"] == "XOA"]["flow"]) == {"import"}
    assert "WLD" in set(out["partner"])
    both = out[(out["commodity_code"] == "TOTAL") & (out["flow"] == "import")].iloc[0]
    assert (both["value"], both["valuation"]) == (11_250_000_000.5, "CIF")
    assert set(out["period"]) == {dt.date(2026, 1, 1)} and set(out["period_months"]) == {1}


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("un_comtrade/gateway_401.json", "Access denied"),
        ("un_comtrade/error_field.json", "period is not valid"),
    ],
)
def test_comtrade_errors_carry_the_publishers_message(name: str, match: str) -> None:
    with pytest.raises(PublisherError, match=match):
        rows("un_comtrade", payload("un_comtrade", name))


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Service Unavailable</html>",
        b'{"count": 1, "data": [{"x": 1}]}',
        b'{"count": 1, "data": [1',
        b"[]",
    ],
)
def test_comtrade_unrecognised_payloads_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        rows("un_comtrade", payload("un_comtrade", content=body))


def test_comtrade_nulls_and_quantity_units() -> None:
    """Null numbers are NaN, null codes never match a filter, and a quantity counts only with a unit."""
    from demo.make_releases import comtrade_record

    def rec(cmd: str, **fields: object) -> dict[str, object]:
        return comtrade_record("2026-01", "X", 156, "CHN", cmd, f"goods {cmd}", 10.0, **fields)

    records = [
        rec("8541", qtyUnitCode=8, qtyUnitAbbr="kg", qty=5.0, netWgt=None, cifvalue=None),
        rec("8542", qtyUnitCode=-1, qtyUnitAbbr="N/A", qty=0.0),
        rec("8543", qtyUnitCode=None, qtyUnitAbbr=None, qty=7.0),
        rec("8544", qtyUnitCode=5, qtyUnitAbbr=None, qty=3.0, cmdDesc=None),
        rec("8545", partner2Code=None),  # no second-partner code: not the aggregate slice
        rec("8546", motCode=1000),  # one mode of transport: not the aggregate slice
        rec("8547", customsCode="C01"),
    ]
    body = json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""})
    out = rows("un_comtrade", payload("un_comtrade", content=body.encode())).set_index("commodity_code")
    assert sorted(out.index) == ["8541", "8542", "8543", "8544"]
    assert (out.loc["8541", "quantity"], out.loc["8541", "quantity_unit"]) == (5.0, "kg")
    assert pd.isna(out.loc["8541", "net_weight_kg"]) and out.loc["8541", "value"] == 10.0
    for code in ("8542", "8543"):
        assert pd.isna(out.loc[code, "quantity"]) and out.loc[code, "quantity_unit"] is None
    assert out.loc["8544", "quantity"] == 3.0 and out.loc["8544", "quantity_unit"] is None
    assert out.loc["8544", "commodity_name"] == ""


# ---------------------------------------------------------------------------------------- cn_customs


def test_gacc_january_february_release() -> None:
    out = rows("cn_customs", payload("cn_customs", "cn_customs/table4_by_country_2026-02_usd.html"))
    korea = out[out["partner"] == "KOR"].set_index(["flow", "period", "period_months"])["value"]
    assert korea[("export", dt.date(2026, 2, 1), 1)] == 15_020_000_000  # February: its own month
    assert korea[("export", dt.date(2026, 1, 1), 2)] == 32_010_000_000  # January-February together
    assert korea[("import", dt.date(2026, 1, 1), 2)] == 44_020_000_000
    assert "MAC" in set(out["partner"]) and "cn_customs:atlantis" in set(out["partner"])
    assert {"WLD", "EUU", "DEU"} <= set(out["partner"])
    assert set(out["currency"]) == {"USD"} and set(out["provisional"]) == {True}


def test_gacc_commodity_renames_brackets_and_units() -> None:
    out = rows("cn_customs", payload("cn_customs", "cn_customs/table5_major_exports_2025-02_usd.html"))
    by_code = out.set_index("commodity_code")
    ic = by_code.loc["electronic_integrated_circuits"]
    assert (ic["value"], ic["quantity"], ic["quantity_unit"]) == (25_000_500_000, 48_010_000_000, "pcs")
    assert (ic["period"], ic["period_months"]) == (dt.date(2025, 1, 1), 2)
    cars = by_code.loc["motor_vehicles_including_chassis_fitted_with_engines"]
    assert (cars["quantity"], cars["quantity_unit"]) == (953_000, "vehicles")
    rare = by_code.loc["rare_earth_ore_metals_compounds"]
    assert (rare["quantity"], rare["net_weight_kg"]) == (9000, 9_000_000)
    toys = by_code.loc["toys"]
    assert pd.isna(toys["quantity"]) and toys["value"] == 5_100_000_000


def _page(**replace: str) -> bytes:
    text = (FIX / "cn_customs/table4_by_country_2026-02_usd.html").read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text.encode()


def test_gacc_unit_line_that_disagrees_with_the_title_is_refused() -> None:
    body = _page(**{"Unit: USD 100 Million": "Unit: CNY 100 Million"})
    with pytest.raises(ParseError, match="title says USD"):
        rows("cn_customs", payload("cn_customs", content=body))


def test_gacc_header_month_other_than_the_title_month_title_wins(caplog: pytest.LogCaptureFixture) -> None:
    text = (FIX / "cn_customs/table4_by_country_2026-02_usd.html").read_text(encoding="utf-8")
    text = text.replace("<td><b>2</b></td>", "<td><b>3</b></td>").replace("1- to-2", "1- to-3")
    with caplog.at_level(logging.WARNING):
        out = rows("cn_customs", payload("cn_customs", content=text.encode()))
    assert "the title wins" in caplog.text
    assert set(out["period"]) == {dt.date(2026, 1, 1), dt.date(2026, 2, 1)}


def test_gacc_image_only_page_is_an_error_not_zero_rows() -> None:
    with pytest.raises(ParseError, match="image"):
        rows("cn_customs", payload("cn_customs", "cn_customs/table1_image_only.html"))


def test_gacc_unsupported_table_is_rejected_by_name() -> None:
    body = _page().replace(
        b"(4) China's Total Export &amp; Import Values by Country/Region",
        b"(2) China's Total Export &amp; Import Values by Trade Mode",
    )
    with pytest.raises(ParseError, match=r"table \(2\).*not supported"):
        rows("cn_customs", payload("cn_customs", content=body))


def test_gacc_changed_layout_is_an_error() -> None:
    body = _page().replace(
        b"<td><b>Export</b></td><td><b>Export</b></td>",
        b"<td><b>Re-shipment</b></td><td><b>Re-shipment</b></td>",
    )
    with pytest.raises(ParseError, match="not a known column"):
        rows("cn_customs", payload("cn_customs", content=body))


def test_gacc_value_that_is_not_a_number_is_an_error() -> None:
    body = _page().replace(b"150.2 </td>", b"15O.2 </td>")
    with pytest.raises(ParseError, match="not a number"):
        rows("cn_customs", payload("cn_customs", content=body))


# ----------------------------------------------------------------------------------------- us_census


def test_census_groups_are_not_countries_and_unknown_codes_are_kept() -> None:
    exports = rows("us_census", payload("us_census", "us_census/exports_hs_2026-01.json"))
    assert sorted(exports["partner"]) == ["CHN", "KOR", "WLD"]
    assert set(exports["valuation"]) == {"FAS"} and set(exports["flow"]) == {"export"}
    korea = exports[exports["partner"] == "KOR"].iloc[0]
    assert (korea["value"], korea["commodity_code"], korea["commodity_system"]) == (812_345_678, "8542", "HS")
    imports = rows("us_census", payload("us_census", "us_census/imports_hs_2026-01.json"))
    assert sorted(imports["partner"]) == ["KOR", "us_census:9999"]
    assert set(imports["valuation"]) == {""}


@pytest.mark.parametrize(
    "body",
    [
        b"error: unknown variable 'NOPE'",
        b'{"a": 1}',
        b'[["time","CTY_CODE"],["2026-01"]]',
        b'[["time","CTY_CODE","ALL_VAL_MO"],["2026-01","5800","1"]]',
    ],
)
def test_census_unrecognised_payloads_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        rows("us_census", payload("us_census", content=body))
