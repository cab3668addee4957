"""Eurostat Comext (extractors/eurostat_comext): SDMX-CSV answers read as Comext writes them, on fixtures
of our own in its format, and the figures of a real answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import NotPublished, ParseError, PermanentFetchError, PublisherError
from extractors.http import HttpPolicy, HttpSession
from transforms.schema import validate_canonical

FIX = Path(__file__).parent / "fixtures" / "eurostat_comext"
COMEXT = get_publisher("eurostat_comext")
FETCHED = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def rows_of(name: str, fetched_at: dt.datetime = FETCHED) -> pd.DataFrame:
    payload = Payload(
        "eurostat_comext", (FIX / name).read_bytes(), f"file:///{name}", "csv", fetched_at=fetched_at
    )
    return validate_canonical(COMEXT.normalize(COMEXT.parse(payload)))


def test_the_figures_of_a_real_answer() -> None:
    """Austria's exports of ferrous waste (HS 7204) to the United Arab Emirates, September 2023, as Comext
    answered it: EUR 204,548 and 1,772.90 x 100 kg."""
    (row,) = rows_of("ds045409_AT_AE_7204_2023-09.csv").to_dict(orient="records")
    assert (row["reporter"], row["partner"], row["flow"]) == ("AUT", "ARE", "export")
    assert (row["commodity_system"], row["commodity_code"], row["period"]) == (
        "HS",
        "7204",
        dt.date(2023, 9, 1),
    )
    assert (row["value"], row["currency"], row["valuation"]) == (204548, "EUR", "FOB")
    assert row["net_weight_kg"] == pytest.approx(177290)
    assert not row["provisional"]  # 2023 is no longer revised when seen in November 2026


def test_the_eu_aggregate_with_korea_and_china() -> None:
    rows = rows_of("ds045409_EU27_2020_2026-09.csv")
    assert len(rows) == 12 and set(rows["reporter"]) == {"EUU"} and set(rows["partner"]) == {"KOR", "CHN"}
    chips = rows[(rows["partner"] == "KOR") & (rows["commodity_code"] == "8542") & (rows["flow"] == "import")]
    (chip,) = chips.to_dict(orient="records")
    assert (chip["value"], chip["net_weight_kg"], chip["valuation"]) == (
        812345678,
        pytest.approx(51234),
        "CIF",
    )
    assert set(rows.loc[rows["commodity_code"] == "TOTAL", "commodity_system"]) == {"TOTAL"}
    assert rows["provisional"].all()  # September 2026 is revised until the end of 2027


@pytest.mark.parametrize(
    ("fetched", "provisional"),
    [
        (dt.datetime(2027, 5, 20, tzinfo=dt.UTC), True),  # the previous year's month, seen this year
        (dt.datetime(2027, 12, 31, 23, tzinfo=dt.UTC), True),  # the last day Comext may revise it
        (dt.datetime(2028, 1, 1, tzinfo=dt.UTC), False),  # the year after its own is over: final
    ],
)
def test_a_month_stays_provisional_through_the_following_year(
    fetched: dt.datetime, provisional: bool
) -> None:
    """Each release revises the current and the previous year: September 2026 may change through 2027."""
    assert set(rows_of("ds045409_EU27_2020_2026-09.csv", fetched)["provisional"]) == {provisional}


def test_flags_confidential_cells_cn8_and_greece() -> None:
    rows = rows_of("ds045409_flags_2026-09.csv", fetched_at=dt.datetime(2029, 1, 5, tzinfo=dt.UTC))
    by_code = {(r["reporter"], r["commodity_code"]): r for r in rows.to_dict(orient="records")}
    # The confidential CN8 line has no value: not a figure. A weight alone (DE 8542 exports) neither.
    assert set(by_code) == {("DEU", "85423190"), ("GRC", "8542")}
    flagged = by_code["DEU", "85423190"]
    assert flagged["commodity_system"] == "CN8" and flagged["provisional"]  # flagged p, though years old
    assert flagged["net_weight_kg"] == pytest.approx(1250)
    assert not by_code["GRC", "8542"]["provisional"] and pd.isna(by_code["GRC", "8542"]["net_weight_kg"])


@pytest.mark.parametrize(
    ("body", "error", "says"),
    [
        ((FIX / "sdmx_error.xml").read_bytes(), PublisherError, "Comext error: Semantic Error - Wrong key"),
        (b"<html><head><title>Service unavailable</title></head></html>", ParseError, "an HTML page"),
        (b"freq,reporter\nM,DE\n", ParseError, "SDMX-CSV columns ['partner'"),
        (
            b"DATAFLOW,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
            b"ESTAT:DS-045409(1.0),M,DE,KR,8542,1,VALUE_IN_EUROS,2026-13,5\n",
            ParseError,
            "TIME_PERIOD '2026-13' is not YYYY-MM",
        ),
        (
            b"DATAFLOW,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
            b"ESTAT:DS-045409(1.0),M,DE,KR,8542,1,VALUE_IN_EUROS,2026-09,n/a\n",
            ParseError,
            "OBS_VALUE 'n/a' is not a number",
        ),
        (
            b"DATAFLOW,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
            b"ESTAT:DS-059341(1.0),M,DE,KR,8542,1,VALUE_IN_EUROS,2026-09,5\n",
            ParseError,
            "dataflow 'ESTAT:DS-059341(1.0)', not ESTAT:DS-045409",
        ),
    ],
)
def test_answers_that_are_not_data_say_what_they_are(body: bytes, error: type[Exception], says: str) -> None:
    payload = Payload("eurostat_comext", body, "https://comext.test/data", "csv", period=dt.date(2026, 9, 1))
    with pytest.raises(error) as raised:
        COMEXT.parse(payload)
    assert says in str(raised.value) and "eurostat_comext 2026-09" in str(raised.value)


def test_a_header_only_answer_is_no_figures() -> None:
    header = b"DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\r\n"
    payload = Payload(
        "eurostat_comext", header, "https://comext.test/data", "csv", period=dt.date(2026, 9, 1)
    )
    assert COMEXT.normalize(COMEXT.parse(payload)).empty


def test_the_update_time_alone_does_not_make_a_new_release() -> None:
    body = (FIX / "ds045409_EU27_2020_2026-09.csv").read_bytes()
    later = body.replace(b"15/11/26 11:00:00", b"16/11/26 23:00:00")
    revised = body.replace(b",812345678", b",812345679")
    digest = [
        COMEXT.payload_digest(Payload("eurostat_comext", b, "u", "csv")) for b in (body, later, revised)
    ]
    assert digest[0] == digest[1] != digest[2]


def test_404_is_not_published_and_413_says_too_big(httpserver: HTTPServer) -> None:
    settings = COMEXT.settings_model(base_url=httpserver.url_for("/sdmx/2.1").rstrip("/"), reporters=["DEU"])
    http = HttpSession(HttpPolicy(max_retries=0))
    httpserver.expect_oneshot_request(
        "/sdmx/2.1/data/DS-045409/M.DE.KR+CN.TOTAL+8541+8542.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG"
    ).respond_with_data("No Results Found", status=404)
    with pytest.raises(NotPublished, match="no data for this selection yet"):
        COMEXT.fetch(http, settings, dt.date(2026, 10, 1), COMEXT.scope("reporter=DEU"))
    httpserver.expect_oneshot_request(
        "/sdmx/2.1/data/DS-045409/M.DE.KR+CN.TOTAL+8541+8542.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG"
    ).respond_with_data("EXTRACTION_TOO_BIG", status=413)
    with pytest.raises(PermanentFetchError, match="HTTP 413 EXTRACTION_TOO_BIG"):
        COMEXT.fetch(http, settings, dt.date(2026, 10, 1), COMEXT.scope("reporter=DEU"))


def test_the_watchlist_is_checked() -> None:
    with pytest.raises(ValueError, match="'85421' is not TOTAL or an HS2/HS4/HS6/CN8 code"):
        COMEXT.settings_model(commodities=["85421"])
    assert [str(s) for s in COMEXT.scopes(COMEXT.settings_model(reporters=["EU27_2020", "DEU"]))] == [
        "reporter=EUU",
        "reporter=DEU",
    ]
    with pytest.raises(ValueError, match=r"\['KOR'\] not EU member states \(ISO alpha-3\) or EUU"):
        COMEXT.settings_model(reporters=["KOR"])
    with pytest.raises(ValueError, match="'KR' is not an ISO alpha-3 country, WLD or EUU"):
        COMEXT.settings_model(partners=["KR"])


def test_status_columns_line_up_with_a_long_source_id(engine: Engine) -> None:
    """`tradeflow status` read as a person reads it: each month's state under its source's name, however
    long the id."""
    from cli.status import render_status
    from warehouse.status import record_status

    for source, state in (("eurostat_comext", "not_published"), ("kr_customs", "loaded")):
        record_status(engine, source=source, scope="s", period=dt.date(2026, 9, 1), state=state, message="")
    header, row = render_status(engine, "text").splitlines()[:2]
    for name, state in (("eurostat_comext", "not_published"), ("kr_customs", "loaded")):
        assert header.index(name) == row.index(state), (header, row)
    table = render_status(engine, "text").splitlines()
    (freshness,) = [line for line in table if line.startswith("kr_customs ")]
    assert freshness.index("2026-09") == table[table.index("") + 1].index("last loaded")


def test_area_codes_both_ways() -> None:
    from extractors.eurostat_comext.areas import from_comext, to_comext

    assert [to_comext(a) for a in ("EUU", "WLD", "GRC", "KOR")] == ["EU27_2020", "WORLD", "GR", "KR"]
    assert [from_comext(c) for c in ("EU27_2020", "WORLD", "GR", "EL", "CN")] == [
        "EUU",
        "WLD",
        "GRC",
        "GRC",
        "CHN",
    ]
    assert from_comext("QQ") == "eurostat_comext:QQ"  # not guessed: kept and reported


def test_annual_rows_in_an_answer_are_not_months() -> None:
    body = (
        b"DATAFLOW,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
        b"ESTAT:DS-045409(1.0),A,DE,KR,8542,1,VALUE_IN_EUROS,2025,900\n"
        b"ESTAT:DS-045409(1.0),M,DE,KR,8542,1,VALUE_IN_EUROS,2025-09,75\n"
    )
    payload = Payload("eurostat_comext", body, "https://comext.test/data", "csv", fetched_at=FETCHED)
    (row,) = COMEXT.normalize(COMEXT.parse(payload)).to_dict(orient="records")
    assert (row["period"], row["period_months"], row["value"]) == (dt.date(2025, 9, 1), 1, 75)
