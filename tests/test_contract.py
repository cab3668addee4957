"""Contract tests over every registered source: fetch against a local server serving our own fixtures in
the publisher's format (checking the request the code really sends), parse, normalise, schema check."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors import all_publishers, get_publisher
from extractors.base import Payload, Probing, Publisher, PublisherSettings, ReleaseCalendar
from extractors.errors import NotPublished, ParseError
from extractors.http import HttpPolicy, HttpSession
from transforms.schema import CANONICAL_COLUMNS, SchemaError, coerce_canonical, validate_canonical

FIX = Path(__file__).parent / "fixtures"
KEY = "canary-KEY-0000/+="


@dataclass
class Case:
    period: dt.date
    scope: str
    config: dict[str, Any]  # the publisher's settings; base_url a path on the test server
    route: Callable[[HTTPServer], None]
    check_request: Callable[[Request], None]
    expect_rows: int


def _json(name: str) -> bytes:
    return (FIX / name).read_bytes()


def comtrade_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request("/public/v1/preview/C/M/HS").respond_with_data(
            _json("un_comtrade/preview_C_M_HS_kor_202601.json"), content_type="application/json"
        )

    def check(req: Request) -> None:
        q = req.args
        assert q["reporterCode"] == "410" and q["period"] == "202601"
        assert q["partnerCode"] == "0,156" and q["cmdCode"] == "TOTAL,8542"
        assert q["motCode"] == "0" and q["customsCode"] == "C00" and q["partner2Code"] == "0"
        assert "Ocp-Apim-Subscription-Key" not in req.headers

    config = {
        "base_url": "",
        "reporters": ["KOR"],
        "partners": ["WLD", "CHN"],
        "commodities": ["TOTAL", "8542"],
    }
    return Case(dt.date(2026, 1, 1), "reporter=KOR", config, route, check, expect_rows=6)


def kr_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request("/1220000/nitemtrade/getNitemtradeList").respond_with_data(
            _json("kr_customs/nitemtrade_8542_CN_202603.xml"), content_type="application/xml"
        )

    def check(req: Request) -> None:
        q = req.args
        assert q["serviceKey"] == KEY
        assert (q["strtYymm"], q["endYymm"], q["hsSgn"], q["cntyCd"]) == ("202603", "202603", "8542", "CN")

    config = {"base_url": "/1220000", "service_key": KEY, "partners": ["CHN"], "commodities": ["8542"]}
    return Case(dt.date(2026, 3, 1), "nitemtrade:8542:CN", config, route, check, expect_rows=6)


def kr_flash_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request("/1220000/cntyMmUtPrviImpAcrs/getCntyMmUtPrviImpAcrs").respond_with_data(
            _json("kr_customs_flash/getCntyMmUtPrviImpAcrs_202301.xml"), content_type="application/xml"
        )

    def check(req: Request) -> None:
        q = req.args
        assert q["serviceKey"] == KEY and (q["numOfRows"], q["pageNo"]) == ("100", "1")
        assert (q["strtYymm"], q["endYymm"]) == ("202301", "202301")

    config = {"base_url": "/1220000", "service_key": KEY}
    # three windows, each the total and ten partners
    return Case(dt.date(2023, 1, 1), "partners:import", config, route, check, expect_rows=33)


def cn_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request("/statics/report/preliminary2026.html").respond_with_data("", status=404)
        server.expect_request("/statics/report/preliminary.html").respond_with_data(
            _json("cn_customs/preliminary_index.html"), content_type="text/html"
        )
        server.expect_request("/Statics/dddd0004-0000-0000-0000-000000000002.html").respond_with_data(
            _json("cn_customs/table4_by_country_2026-02_usd.html"), content_type="text/html"
        )

    def check(req: Request) -> None:
        assert req.path.startswith(("/statics/report/preliminary", "/Statics/"))

    config = {"base_url": "", "tables": ["4"], "edition": "USD"}
    return Case(dt.date(2026, 2, 1), "table4:USD", config, route, check, expect_rows=24)


def census_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request("/intltrade/exports/hs").respond_with_data(
            _json("us_census/exports_hs_2026-01.json"), content_type="application/json"
        )

    def check(req: Request) -> None:
        q = req.args
        assert q["time"] == "2026-01"
        assert q.getlist("CTY_CODE") == ["5800", "5700", "-"]
        assert q.getlist("E_COMMODITY") == ["8542"]
        assert "ALL_VAL_MO" in q["get"].split(",")
        assert q["key"] == KEY

    config = {
        "base_url": "/intltrade",
        "api_key": KEY,
        "partners": ["KOR", "CHN", "WLD"],
        "commodities": ["8542"],
    }
    return Case(dt.date(2026, 1, 1), "exports", config, route, check, expect_rows=3)


def comext_case() -> Case:
    def route(server: HTTPServer) -> None:
        server.expect_request(
            "/sdmx/2.1/data/DS-045409/M.EU27_2020.KR+CN.TOTAL+8541+8542.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG"
        ).respond_with_data(
            _json("eurostat_comext/ds045409_EU27_2020_2026-09.csv"),
            content_type="application/vnd.sdmx.data+csv",
        )

    def check(req: Request) -> None:
        q = req.args
        assert (q["startPeriod"], q["endPeriod"], q["format"]) == ("2026-09", "2026-09", "SDMX-CSV")

    config = {"base_url": "/sdmx/2.1"}
    return Case(dt.date(2026, 9, 1), "reporter=EUU", config, route, check, expect_rows=12)


CASES = {
    "un_comtrade": comtrade_case,
    "kr_customs": kr_case,
    "kr_customs_flash": kr_flash_case,
    "cn_customs": cn_case,
    "us_census": census_case,
    "eurostat_comext": comext_case,
}


def settings_for(source: str, server: HTTPServer, base_url: str = "/", **fields: Any) -> PublisherSettings:
    """The publisher's settings with its base URL on the test server."""
    return get_publisher(source).settings_model(
        base_url=server.url_for(base_url or "/").rstrip("/"), **fields
    )


def test_every_registered_source_has_a_contract_case() -> None:
    assert {p.id for p in all_publishers()} == set(CASES)


@pytest.mark.parametrize("source", sorted(CASES))
def test_each_publisher_keeps_the_contract(source: str) -> None:
    """The registry's object, its settings model, calendar, scopes that read back, and a README of dated
    quirks beside its code."""
    import importlib

    publisher = get_publisher(source)
    assert isinstance(publisher, Publisher)
    assert issubclass(publisher.settings_model, PublisherSettings)
    assert isinstance(publisher.calendar, ReleaseCalendar) and publisher.calendar.note
    assert isinstance(publisher, Probing)  # `watch` asks it whether a release is out (tests/test_watch.py)
    ZoneInfo(publisher.calendar.timezone)  # a real zone; its releases' local time is dated in its README
    defaults = publisher.settings_model()
    scopes = publisher.scopes(defaults)
    assert scopes and all(publisher.scope(str(s)) == s for s in scopes)
    with pytest.raises(ValueError, match="scope"):
        publisher.scope("no such scope")
    package = Path(importlib.import_module(type(publisher).__module__).__file__ or "").parent
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {source}") and re.search(r"as of 20\d\d-\d\d", readme)


@pytest.mark.parametrize("source", sorted(CASES))
def test_fetch_parse_normalise(source: str, httpserver: HTTPServer) -> None:
    extractor = get_publisher(source)
    case = CASES[source]()
    case.route(httpserver)
    config = settings_for(source, httpserver, **case.config)
    http = HttpSession(HttpPolicy(max_retries=0), secrets=[KEY])
    payloads = extractor.fetch(http, config, case.period, extractor.scope(case.scope))
    assert payloads and all(isinstance(p, Payload) for p in payloads)
    for request, _response in httpserver.log:
        case.check_request(request)
    for p in payloads:
        assert KEY not in p.url and p.period == case.period and p.scope == case.scope
    frames = [extractor.normalize(extractor.parse(p)) for p in payloads]
    for frame in frames:  # handed over in contract form: coercing it changes nothing
        pd.testing.assert_frame_equal(frame, coerce_canonical(frame))
    rows = validate_canonical(pd.concat(frames, ignore_index=True))
    assert list(rows.columns) == list(CANONICAL_COLUMNS)
    assert len(rows) == case.expect_rows
    assert set(rows["source"]) == {source}
    assert scope_listed(extractor, config, case.scope)


def scope_listed(extractor: Publisher[Any], config: PublisherSettings, scope: str) -> bool:
    return scope in [str(s) for s in extractor.scopes(config)]


# One figure written twice in the publisher's own format, the second time with other measures; and, where
# the format names the reporter, the answer's reporter swapped for one the call did not ask for.
def _comtrade_twice(body: bytes) -> bytes:
    answer = json.loads(body)
    answer["data"].append(answer["data"][0] | {"primaryValue": 1.0, "fobvalue": 1.0})
    return json.dumps(answer).encode()


def _comtrade_other_reporter(body: bytes) -> bytes:
    answer = json.loads(body)
    answer["data"] = [r | {"reporterCode": 156, "reporterISO": "CHN"} for r in answer["data"]]
    return json.dumps(answer).encode()


def _kr_twice(body: bytes) -> bytes:
    items = re.findall(rb"<item>.*?</item>", body)
    item = next(i for i in items if b"<hsCd>854232</hsCd>" in i)
    return body.replace(item, item + item.replace(b"<expDlr>3500000000<", b"<expDlr>1<"), 1)


def _kr_flash_twice(body: bytes) -> bytes:
    item = re.findall(rb"<item>.*?</item>", body)[0]
    return body.replace(item, item + item.replace(b"<itemUsdAmt02> ", b"<itemUsdAmt02> 1"), 1)


def _cn_twice(body: bytes) -> bytes:
    row = re.search(rb"<tr><td><span>R\. O\. Korea</span></td>.*?</tr>", body)
    if row is None:  # the index page
        return body
    return body.replace(row[0], row[0] + row[0].replace(b"150.2 ", b"1.0 "), 1)


def _census_twice(body: bytes) -> bytes:
    rows = json.loads(body)
    rows.append([*rows[1][:3], "1", *rows[1][4:]])
    return json.dumps(rows).encode()


def _comext_twice(body: bytes) -> bytes:
    lines = body.decode().splitlines()
    line = next(ln for ln in lines if ",KR,TOTAL,1,VALUE_IN_EUROS," in ln)
    return "\n".join([*lines, line.rsplit(",", 1)[0] + ",1"]).encode()


def _comext_other_reporter(body: bytes) -> bytes:
    lines = body.decode().splitlines()
    extra = [ln.replace(",EU27_2020,", ",DE,") for ln in lines[1:]]
    return "\n".join([*lines, *extra]).encode()


TWICE: dict[str, Callable[[bytes], bytes]] = {
    "un_comtrade": _comtrade_twice,
    "kr_customs": _kr_twice,
    "kr_customs_flash": _kr_flash_twice,
    "cn_customs": _cn_twice,
    "us_census": _census_twice,
    "eurostat_comext": _comext_twice,
}
# None: the format does not name its reporter (the publisher is the reporter: KCS, GACC, Census).
OTHER_REPORTER: dict[str, Callable[[bytes], bytes] | None] = {
    "un_comtrade": _comtrade_other_reporter,
    "kr_customs": None,
    "kr_customs_flash": None,
    "cn_customs": None,
    "us_census": None,
    "eurostat_comext": _comext_other_reporter,
}


def _fetch_changed(source: str, server: HTTPServer, change: Callable[[bytes], bytes]) -> list[Payload]:
    """The case's fetch against a server whose every answer is changed by `change`."""
    extractor = get_publisher(source)
    case = CASES[source]()
    case.route(server)
    for handler in server.ordered_handlers + server.oneshot_handlers + server.handlers:
        response = handler.request_handler(None) if handler.request_handler else None  # respond_with_data's
        if isinstance(response, Response) and response.status_code == 200:
            response.set_data(change(response.get_data()))
    config = settings_for(source, server, **case.config)
    return extractor.fetch(
        HttpSession(HttpPolicy(max_retries=0), secrets=[KEY]),
        config,
        case.period,
        extractor.scope(case.scope),
    )


def _rows_of(source: str, payloads: list[Payload]) -> pd.DataFrame:
    extractor = get_publisher(source)
    return validate_canonical(pd.concat([extractor.normalize(extractor.parse(p)) for p in payloads]))


@pytest.mark.parametrize("source", sorted(CASES))
def test_the_same_figure_twice_in_one_release_is_refused(source: str, httpserver: HTTPServer) -> None:
    """Comext kept the first of two values for one key without a word (issue 26, item 2): every
    publisher's release holding one figure twice is refused, naming the duplicate, never stored."""
    assert set(TWICE) == set(CASES)
    payloads = _fetch_changed(source, httpserver, TWICE[source])
    with pytest.raises((ParseError, SchemaError), match=r"more than once|twice"):
        _rows_of(source, payloads)


@pytest.mark.parametrize("source", sorted(CASES))
def test_figures_of_a_reporter_not_asked_for_are_refused(source: str, httpserver: HTTPServer) -> None:
    """An answer holding another reporter's series (DE when only EU27_2020 was asked) was stored."""
    assert set(OTHER_REPORTER) == set(CASES)
    change = OTHER_REPORTER[source]
    if change is None:
        assert "reporter" not in CASES[source]().scope  # the publisher reports for itself alone
        return
    payloads = _fetch_changed(source, httpserver, change)
    with pytest.raises(ParseError, match="not asked for") as caught:
        _rows_of(source, payloads)
    assert caught.value.url.startswith("http://")


def test_comtrade_keyed_endpoint_uses_the_header(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/data/v1/get/C/M/HS", headers={"Ocp-Apim-Subscription-Key": KEY}
    ).respond_with_data(_json("un_comtrade/preview_C_M_HS_kor_202601.json"), content_type="application/json")
    config = settings_for("un_comtrade", httpserver, api_key=KEY, partners=["CHN"], commodities=["TOTAL"])
    comtrade = get_publisher("un_comtrade")
    payloads = comtrade.fetch(
        HttpSession(secrets=[KEY]), config, dt.date(2026, 1, 1), comtrade.scope("reporter=KOR")
    )
    ((request, _),) = httpserver.log
    assert request.args["maxRecords"] == "250000"
    assert KEY not in payloads[0].url


def test_comtrade_truncated_preview_is_split_until_no_part_is_full(httpserver: HTTPServer) -> None:
    """A 500-record answer is truncated: the request is split by flow, then by commodity."""

    def record(flow: str, cmd: str, partner: int) -> dict[str, object]:
        base = json.loads(_json("un_comtrade/preview_C_M_HS_kor_202601.json"))["data"][0]
        return base | {
            "flowCode": flow,
            "cmdCode": cmd,
            "partnerCode": partner,
            "primaryValue": 1.0 + partner,
        }

    def handler(req: Request) -> Response:
        flows, cmds = req.args["flowCode"].split(","), req.args["cmdCode"].split(",")
        if len(cmds) > 1 and len(flows) == 1 and flows[0] == "X":
            data = [record("X", "TOTAL", p) for p in range(500)]  # still full: split again by commodity
        elif len(flows) > 1:
            data = [record("X", "TOTAL", p) for p in range(500)]
        else:
            data = [record(flows[0], cmds[0], p) for p in range(3)]
        return Response(
            json.dumps({"count": len(data), "data": data, "error": ""}), content_type="application/json"
        )

    httpserver.expect_request("/public/v1/preview/C/M/HS").respond_with_handler(handler)
    config = settings_for("un_comtrade", httpserver, partners=["WLD"], commodities=["TOTAL", "8542"])
    comtrade = get_publisher("un_comtrade")
    payloads = comtrade.fetch(HttpSession(), config, dt.date(2026, 1, 1), comtrade.scope("reporter=KOR"))
    asked = [(r.args["flowCode"], r.args["cmdCode"]) for r, _ in httpserver.log]
    assert asked[0] == ("M,X,RM,RX", "TOTAL,8542")
    assert ("X", "TOTAL") in asked and ("X", "8542") in asked and ("M", "TOTAL,8542") in asked
    assert all(len(json.loads(p.content)["data"]) < 500 for p in payloads)
    assert len(payloads) == 5  # X/TOTAL, X/8542, M, RM, RX


def test_census_imports_for_consumption_where_asked(httpserver: HTTPServer) -> None:
    body = (
        b'[["CTY_NAME","I_COMMODITY_SDESC","COMM_LVL","CON_VAL_MO","time","CTY_CODE","I_COMMODITY"],'
        b'["KOREA, SOUTH","ICS","HS4","777","2026-01","5800","8542"]]'
    )
    httpserver.expect_request("/imports/hs").respond_with_data(body, content_type="application/json")
    config = settings_for(
        "us_census", httpserver, partners=["KOR"], commodities=["8542"], imports_basis="consumption"
    )
    ext = get_publisher("us_census")
    (payload,) = ext.fetch(HttpSession(), config, dt.date(2026, 1, 1), ext.scope("imports"))
    ((request, _),) = httpserver.log
    assert "CON_VAL_MO" in request.args["get"].split(",") and "GEN_VAL_MO" not in request.args["get"]
    rows = ext.normalize(ext.parse(payload))
    assert rows["value"].tolist() == [777] and rows["flow"].tolist() == ["import"]


def test_census_204_means_no_rows(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/exports/hs").respond_with_data("", status=204)
    config = settings_for("us_census", httpserver, partners=["KOR"], commodities=["8542"])
    ext = get_publisher("us_census")
    (payload,) = ext.fetch(HttpSession(), config, dt.date(2026, 9, 1), ext.scope("exports"))
    assert ext.normalize(ext.parse(payload)).empty


def test_gacc_unpublished_month_and_january(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/statics/report/preliminary.html").respond_with_data(
        _json("cn_customs/preliminary_index.html"), content_type="text/html"
    )
    httpserver.expect_request("/statics/report/preliminary2026.html").respond_with_data("", status=404)
    config = settings_for("cn_customs", httpserver)
    ext = get_publisher("cn_customs")
    with pytest.raises(NotPublished, match="table \\(4\\) USD"):
        ext.fetch(HttpSession(), config, dt.date(2026, 3, 1), ext.scope("table4:USD"))
    with pytest.raises(NotPublished, match="January"):
        ext.fetch(HttpSession(), config, dt.date(2026, 1, 1), ext.scope("table4:USD"))
