"""Parser and transform quirks, on small fixtures written in the publishers' real formats."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import ParseError, PublisherError
from transforms.months import parse_month
from transforms.schema import coerce_canonical, validate_canonical

FIX = Path(__file__).parent / "fixtures"


def payload(
    source: str, name: str | None = None, content: bytes | None = None, fetched_at: dt.datetime | None = None
) -> Payload:
    body = content if content is not None else (FIX / str(name)).read_bytes()
    kw = {"fetched_at": fetched_at} if fetched_at else {}
    return Payload(source, body, f"file:///fixtures/{name or 'inline'}", "x", **kw)  # type: ignore[arg-type]


def rows(source: str, p: Payload) -> pd.DataFrame:
    ext = get_publisher(source)
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


def test_comtrade_flows_periods_and_valuation_per_record() -> None:
    """Each flow code, frequency and valuation rule, on records mixed in one answer (the normaliser maps
    each distinct code once and spreads the result back: a row must get its own)."""
    from demo.make_releases import comtrade_record

    def rec(month: str, flow: str, cmd: str, value: float, **fields: object) -> dict[str, object]:
        return comtrade_record(month, "X", 156, "CHN", cmd, "", value, flowCode=flow, **fields)

    records = [
        rec("2026-01", "X", "8541", 10.0, fobvalue=10.0, cifvalue=None),
        rec("2026-02", "M", "8542", 20.0, cifvalue=20.0, fobvalue=19.0),
        rec("2026-01", "RX", "8543", 30.0, cifvalue=30.0, fobvalue=30.0),  # both: the flow's own
        rec("2026-01", "RM", "8544", 40.0, fobvalue=40.0, cifvalue=40.0),
        rec("2026-01", "DX", "8545", 50.0),  # domestic exports: not a flow tradeflow keeps
        rec("2026-01", "M", "TOTAL", 60.0, cifvalue=60.0, fobvalue=60.0, freqCode="A", refMonth=52),
    ]
    body = json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""})
    out = rows("un_comtrade", payload("un_comtrade", content=body.encode())).set_index("commodity_code")
    assert out[["flow", "valuation", "commodity_system", "period_months"]].to_dict("index") == {
        "8541": {"flow": "export", "valuation": "FOB", "commodity_system": "HS", "period_months": 1},
        "8542": {"flow": "import", "valuation": "CIF", "commodity_system": "HS", "period_months": 1},
        "8543": {"flow": "re_export", "valuation": "FOB", "commodity_system": "HS", "period_months": 1},
        "8544": {"flow": "re_import", "valuation": "CIF", "commodity_system": "HS", "period_months": 1},
        "TOTAL": {"flow": "import", "valuation": "CIF", "commodity_system": "TOTAL", "period_months": 12},
    }
    assert out["period"].to_dict() == {
        "8541": dt.date(2026, 1, 1),
        "8542": dt.date(2026, 2, 1),
        "8543": dt.date(2026, 1, 1),
        "8544": dt.date(2026, 1, 1),
        "TOTAL": dt.date(2026, 1, 1),
    }


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"freqCode": "Q", "refMonth": 3}, "record 1: freqCode 'Q' is not M or A"),
        ({"freqCode": "M", "refMonth": 52}, "record 1: refYear 2026 / refMonth 52 is not a period"),
        ({"freqCode": "M", "refMonth": 13}, "record 1: refYear 2026 / refMonth 13 is not a period"),
    ],
)
def test_comtrade_refuses_a_record_of_no_known_span(fields: dict[str, object], problem: str) -> None:
    """A quarterly record, or month 52 (the annual marker) in monthly data, has no span tradeflow can
    store: the answer is refused, naming the record, rather than stored as a month or crashing."""
    from demo.make_releases import comtrade_record

    records = [comtrade_record("2026-01", "X", 156, "CHN", code, "", 1.0) for code in ("8541", "8542")]
    records[1].update(fields)
    body = json.dumps({"count": 2, "data": records, "error": ""}).encode()
    with pytest.raises(ParseError) as err:
        rows("un_comtrade", payload("un_comtrade", content=body))
    assert problem in str(err.value) and "un_comtrade" in str(err.value)
    assert "file:///fixtures/inline" in str(err.value)


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (["C00", None, float("nan"), "C01", "c00"], "C00", [True, False, False, False, False]),
        ([0, "0", None, 1], "0", [True, True, False, False]),  # written as text, 0 is "0"
        ([0.0, 1.5, float("nan")], "1.5", [False, True, False]),
    ],
    ids=["text-and-nulls", "numbers-and-text", "numbers"],
)
def test_text_equals_compares_each_value_as_written(
    values: list[object], text: str, expected: list[bool]
) -> None:
    import numpy as np

    from transforms.columns import text_equals

    column = pd.Series(values, dtype=object if any(isinstance(v, str) for v in values) else None)
    assert text_equals(column, text).tolist() == expected
    assert text_equals(np.asarray(column.to_numpy()), text).tolist() == expected


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


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["partner", "commodity_code", "flow", "period_months"]).reset_index(drop=True)


# How GACC has typed its headers on real pages (issue 19): each must read as the clean page does.
TABLE4_TYPINGS = {
    "cumulative without spaces": (b"<b>1- to-2</b>", b"<b>1-to-2</b>"),
    "cumulative as 1-2 Total": (b"<b>1- to-2</b>", b"<b>1-2 Total</b>"),
    "cumulative run together": (b"<b>1- to-2</b>", b"<b>1to2</b>"),
    "space inside the month": (b"<td><b>2</b></td>", b"<td><b> 2 </b></td>"),
    "flow words run together": (b"<b>Export &amp; Import</b>", b"<b>Export&amp;Import</b>"),
    "flow words spelt out, upper case": (b"<b>Export &amp; Import</b>", b"<b>EXPORT AND IMPORT</b>"),
    "a word split": (
        b"<td><b>Export</b></td><td><b>Export</b></td>",
        b"<td><b>Ex port</b></td><td><b>Export</b></td>",
    ),
    "year-on-year run together": (b"Year-on-Year (\xc2\xb1%)", b"Yearon-Year(\xc2\xb1 %)"),
    "label words run together": (b"<b>Import Source</b>", b"<b>ImportSource</b>"),
}


@pytest.mark.parametrize("typing", TABLE4_TYPINGS.values(), ids=TABLE4_TYPINGS.keys())
def test_gacc_table4_headers_are_read_for_their_meaning(typing: tuple[bytes, bytes]) -> None:
    clean = _page()
    assert typing[0] in clean
    typed = clean.replace(*typing)
    expected = rows("cn_customs", payload("cn_customs", content=clean))
    pd.testing.assert_frame_equal(
        _sorted(rows("cn_customs", payload("cn_customs", content=typed))), _sorted(expected)
    )


def test_gacc_table5_headers_as_typed_read_as_the_clean_page() -> None:
    """A space inside the year ("1-6 Total, 202 4"), no space before "Total", "Yearon -Year", "Quan tity",
    "VALUE", "Com modity": the same figures as the cleanly typed page."""
    clean = rows("cn_customs", payload("cn_customs", "cn_customs/table5_major_exports_2025-06_usd.html"))
    typed = rows(
        "cn_customs", payload("cn_customs", "cn_customs/table5_major_exports_2025-06_usd_typed.html")
    )
    pd.testing.assert_frame_equal(_sorted(typed), _sorted(clean))
    ic = clean[clean["commodity_code"] == "electronic_integrated_circuits"].set_index("period_months")
    assert (ic.loc[6, "value"], ic.loc[6, "quantity"]) == (13_021_900_000, 15_640_000_000)
    assert (ic.loc[1, "value"], ic.loc[1, "period"]) == (2_313_100_000, dt.date(2025, 6, 1))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<td>Value</td>", b"<td>Weight</td>"),  # a renamed measure
        (
            b"<td>Quantity</td><td>Value</td><td>Quantity</td>",
            b"<td>Quantity</td><td>Value</td><td>Value</td>",
        ),
        (b">1-6 Total<", b">1-6 Average<"),  # still a cumulative by its numbers: two of them is refused
    ],
    ids=["renamed measure", "measure moved", "two cumulative columns"],
)
def test_gacc_header_whose_meaning_differs_is_refused(old: bytes, new: bytes) -> None:
    body = (FIX / "cn_customs/table5_major_exports_2025-06_usd.html").read_bytes()
    assert old in body
    with pytest.raises(ParseError, match="not a known column"):
        rows("cn_customs", payload("cn_customs", content=body.replace(old, new, 1)))


def test_gacc_header_month_other_than_the_title_month_the_title_decides(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As GACC once published it: a June page whose headers say "5" and "1- to-5"."""
    body = (FIX / "cn_customs/table4_by_country_2025-06_usd_headers_name_may.html").read_bytes()
    linked = Payload("cn_customs", body, "https://gacc.test/june.html", "html", period=dt.date(2025, 6, 1))
    with caplog.at_level(logging.WARNING, logger="tradeflow.extractors"):
        out = rows("cn_customs", linked)
    assert caplog.messages == [
        "column headers name month 5 but the title and the index link name June 2025: stored as June "
        "(the title decides) <https://gacc.test/june.html>"
    ]
    korea = out[out["partner"] == "KOR"].set_index(["flow", "period", "period_months"])["value"]
    assert korea[("export", dt.date(2025, 6, 1), 1)] == 12_720_000_000
    assert korea[("export", dt.date(2025, 1, 1), 6)] == 72_880_000_000


def test_gacc_title_and_index_link_that_disagree_are_refused() -> None:
    body = (FIX / "cn_customs/table4_by_country_2025-05_usd.html").read_bytes()
    linked = Payload("cn_customs", body, "https://gacc.test/june.html", "html", period=dt.date(2025, 6, 1))
    with pytest.raises(
        ParseError, match="the title names May 2025 but the index links the page as June 2025"
    ):
        rows("cn_customs", linked)


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


_KOREA_ROW = (
    "<tr><td><span>R. O. Korea</span></td><td>370.5 </td><td>760.3 </td><td>150.2 </td><td>320.1 </td>"
    "<td>220.3 </td><td>440.2 </td><td>9.0</td><td>8.0</td><td>10.0</td></tr>"
)


def _korea_row(**change: str) -> bytes:
    """The Jan-Feb 2026 page with Korea's row rewritten (old cell text -> new)."""
    row = _KOREA_ROW
    for old, new in change.items():
        row = row.replace(old, new)
    body = _page().decode()
    assert _KOREA_ROW in body
    return body.replace(_KOREA_ROW, row).encode()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"<td>10.0</td>": ""}, "has 9 cells where the header has 10"),  # a cell missing
        ({"<td>10.0</td>": "<td>10.0</td><td>11.0</td>"}, "has 11 cells where the header has 10"),
        ({"<td>9.0</td>": "<td>9.0</td><td>7.0</td>"}, "has 11 cells where the header has 10"),
        ({"<td><span>R. O. Korea</span></td>": "<td></td>"}, "has figures but no label"),
        ({"<td><span>R. O. Korea</span></td>": ""}, "has 9 cells"),  # the label cell itself missing
        # An empty cell after the label and the last figure blank: cut to the header's width, every figure
        # would move one column (a trailing empty cell is read only after a row with every column filled).
        ({"<td>370.5 </td>": "<td></td><td>370.5 </td>", "<td>10.0</td>": "<td></td>"}, "has 11 cells"),
    ],
)
def test_gacc_row_with_figures_that_does_not_fit_the_header_is_refused_by_name(
    change: dict[str, str], problem: str
) -> None:
    """A country row one cell short or long was taken for a spacer and dropped with its figures."""
    p = payload("cn_customs", content=_korea_row(**change))
    with pytest.raises(ParseError, match=problem) as caught:
        rows("cn_customs", p)
    assert caught.value.url == p.url


def test_gacc_row_with_a_trailing_empty_cell_is_read() -> None:
    whole = rows("cn_customs", payload("cn_customs", content=_page()))
    padded = rows(
        "cn_customs",
        payload("cn_customs", content=_korea_row(**{"<td>10.0</td>": "<td>10.0</td><td> </td>"})),
    )
    pd.testing.assert_frame_equal(padded, whole)
    assert len(whole[whole["partner"] == "KOR"]) == 4  # exports and imports, month and Jan-Feb


def test_gacc_rows_without_figures_are_spacers_whatever_their_width() -> None:
    whole = rows("cn_customs", payload("cn_customs", content=_page()))
    spacers = (
        _KOREA_ROW
        + '<tr><td></td><td></td></tr><tr><td>Asia</td></tr><tr><td colspan="3">-</td><td>-</td></tr>'
    )
    body = _page().decode().replace(_KOREA_ROW, spacers).encode()
    pd.testing.assert_frame_equal(rows("cn_customs", payload("cn_customs", content=body)), whole)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ('<td colspan="60000000">x</td>', "colspan=60000000 is over the limit"),
        ('<td rowspan="20000000">x</td>', "rowspan=20000000 is over the limit"),
        (
            '<td colspan="999" rowspan="999">x</td></tr>' + "<tr><td>y</td></tr>" * 300,
            "spans over 200,000 cells",
        ),
    ],
)
def test_gacc_hostile_spans_are_refused_in_bounded_time_and_memory(cell: str, problem: str) -> None:
    """A 1.6 KB page with colspan=60000000 took 83 s and 1.1 GB before spans were bounded."""
    body = _page().decode().replace("<td>9.0</td>", cell, 1).encode()
    assert len(body) < 10_000
    with pytest.raises(ParseError, match=problem):
        rows("cn_customs", payload("cn_customs", content=body))


def test_gacc_rowspan_past_the_last_row_is_clipped_like_a_browser() -> None:
    body = _page().decode().replace('<td colspan="10">Note', '<td colspan="10" rowspan="65000">Note').encode()
    pd.testing.assert_frame_equal(
        rows("cn_customs", payload("cn_customs", content=body)),
        rows("cn_customs", payload("cn_customs", content=_page())),
    )


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


def test_census_rows_use_the_whole_list() -> None:
    body = (
        b'[["CTY_NAME","E_COMMODITY_SDESC","COMM_LVL","ALL_VAL_MO","time","CTY_CODE","E_COMMODITY"],'
        b'["CROATIA","ICS","HS4","5","2026-01","4791","8542"],'
        b'["KOSOVO","ICS","HS4","6","2026-01","4803","8542"],'
        b'["EUROPEAN UNION","ICS","HS4","7","2026-01","0003","8542"],'
        b'["A NEW COUNTRY","ICS","HS4","8","2026-01","9990","8542"]]'
    )
    exports = rows("us_census", payload("us_census", content=body))
    assert dict(zip(exports["partner"], exports["value"], strict=True)) == {
        "HRV": 5,
        "XKX": 6,
        "us_census:9990": 8,
    }


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


# ------------------------------------------------------------------------------------------ all sources

KR_ITEMS = FIX / "kr_customs" / "nitemtrade_8542_CN_202603.xml"


@pytest.mark.parametrize(
    ("source", "fixture", "written", "impossible", "problem"),
    [
        (
            "kr_customs",
            KR_ITEMS,
            b"<year>2026.03</year>",
            b"<year>2026.13</year>",
            "unexpected year '2026.13'",
        ),
        (
            "kr_customs",
            KR_ITEMS,
            b"<year>2026.03</year>",
            b"<year>2026.00</year>",
            "unexpected year '2026.00'",
        ),
        (
            "kr_customs",
            KR_ITEMS,
            b"<year>2026.03</year>",
            b"<year>0000.03</year>",
            "unexpected year '0000.03'",
        ),
        ("us_census", FIX / "us_census/exports_hs_2026-01.json", b'"2026-01"', b'"0000-01"', "'0000-01'"),
        (
            "cn_customs",
            FIX / "cn_customs/table4_by_country_2026-02_usd.html",
            b"Jan-Feb 2026",
            b"Jan-Feb 0000",
            "no release title",
        ),
    ],
)
def test_an_impossible_month_is_a_parse_error(
    source: str, fixture: Path, written: bytes, impossible: bytes, problem: str
) -> None:
    """A month that no calendar has (13, 00, year 0) is the publisher's error, reported as one; it used
    to reach `datetime.date` in the normaliser and escape as a bare ValueError."""
    body = fixture.read_bytes()
    assert written in body
    with pytest.raises(ParseError, match=re.escape(problem)):
        rows(source, payload(source, content=body.replace(written, impossible)))


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "0000-01", "26-01", "2026-1"])
def test_parse_month_refuses_what_is_not_a_month(text: str) -> None:
    with pytest.raises(ValueError, match="not a month"):
        parse_month(text)
