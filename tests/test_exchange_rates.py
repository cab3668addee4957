"""Exchange rates (extractors/ecb_exr, warehouse/rates, flows/rates) and the mirror view in US dollars.

The ECB answer is a fixture of our own in the ECB's `csvdata` layout; its US dollar rates are the ECB's
real monthly averages (USD per EUR, January to March 2024: 1.0905, 1.0795, 1.0872), its yuan rates made up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, text

from extractors.base import Payload
from extractors.errors import NotPublished, ParseError, PermanentFetchError
from extractors.http import HttpPolicy, HttpSession
from extractors.rates import get_rate_source
from tests.helpers import load, row, table_rows
from warehouse.rates import RatesWritten, missing_rates, upsert_exchange_rates
from warehouse.read import parse_filter, read_view

FIX = Path(__file__).parent / "fixtures" / "ecb_exr"
ECB = get_rate_source("ecb_exr")
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
HEADER = "KEY,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE"


def payload(content: bytes | str) -> Payload:
    body = content.encode() if isinstance(content, str) else content
    return Payload("ecb_exr", body, "https://data-api.ecb.europa.eu/service/data/EXR/M.USD.EUR.SP00.A", "csv")


def rates_of(content: bytes | str) -> dict[tuple[str, dt.date], float]:
    frame = ECB.parse_rates(payload(content))
    assert list(frame.columns) == ["currency", "period", "usd_per_unit"]
    return {(c, p): v for c, p, v in frame.itertuples(index=False)}


def test_every_rate_source_keeps_the_contract() -> None:
    from extractors.rates import RateSource, rate_source_ids

    assert rate_source_ids() == ["ecb_exr"]
    for source in rate_source_ids():
        rates = get_rate_source(source)
        assert isinstance(rates, RateSource) and rates.id == source
        assert rates.default_base_url.startswith("https://")
    with pytest.raises(KeyError, match="unknown exchange-rate source 'ecb'; known: \\['ecb_exr'\\]"):
        get_rate_source("ecb")


def test_the_ecb_monthly_averages_become_dollars_per_unit() -> None:
    rates = rates_of((FIX / "exr_M_USD_CNY_2024-01_2024-03.csv").read_bytes())
    # A euro is worth the dollar's rate per euro; a yuan is that over the yuan's rate per euro.
    assert rates[("EUR", JAN)] == 1.0905 and rates[("EUR", FEB)] == 1.0795 and rates[("EUR", MAR)] == 1.0872
    assert rates[("CNY", JAN)] == pytest.approx(1.0905 / 7.8) and rates[("CNY", FEB)] == pytest.approx(
        1.0795 / 7.75
    )
    assert ("CNY", MAR) not in rates  # no observation that month: no rate, rather than a wrong one
    assert not any(c == "USD" for c, _ in rates)  # a dollar is a dollar: never stored


def test_a_month_without_a_dollar_rate_converts_nothing() -> None:
    rates = rates_of(f"{HEADER}\nEXR.M.KRW.EUR.SP00.A,M,KRW,EUR,SP00,A,2024-01,1450.1\n")
    assert rates == {}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("", "malformed CSV"),
        ("<html><head><title>Service Unavailable</title></head></html>", "not CSV"),
        ("KEY,CURRENCY,TIME_PERIOD,OBS_VALUE\nx,USD,2024-01,1.09\n", "columns ['FREQ'"),
        (f"{HEADER}\nEXR.D.USD.EUR.SP00.A,D,USD,EUR,SP00,A,2024-01-02,1.0956\n", "FREQ ['D']"),
        (f"{HEADER}\nEXR.M.USD.EUR.SP00.E,M,USD,EUR,SP00,E,2024-01,1.0905\n", "EXR_SUFFIX ['E']"),
        (f"{HEADER}\nEXR.M.EUR.USD.SP00.A,M,EUR,USD,SP00,A,2024-01,0.917\n", "CURRENCY_DENOM ['USD']"),
        (f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,NaN\n", "not a positive rate"),
        (f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,-1.09\n", "not a positive rate"),
        (f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,0\n", "not a positive rate"),
        (f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-Q1,1.09\n", "not a month"),
        (
            f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,1.09\n"
            "EXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,1.10\n",
            "twice",
        ),
    ],
)
def test_what_is_not_an_answer_of_monthly_averages_is_refused(body: str, why: str) -> None:
    with pytest.raises(ParseError, match="ecb_exr") as caught:
        ECB.parse_rates(payload(body))
    assert why in str(caught.value) and "data-api.ecb.europa.eu" in str(caught.value)


def test_fetch_asks_for_monthly_averages_per_euro_of_the_dollar_and_each_currency(
    httpserver: HTTPServer,
) -> None:
    body = (FIX / "exr_M_USD_CNY_2024-01_2024-03.csv").read_bytes()
    httpserver.expect_request("/service/data/EXR/M.CNY+USD.EUR.SP00.A").respond_with_data(
        body, content_type="text/csv"
    )
    http = HttpSession(HttpPolicy(max_retries=0))
    got = ECB.fetch_rates(http, httpserver.url_for("/"), ["EUR", "CNY"], JAN, MAR)
    ((request, _),) = httpserver.log
    assert dict(request.args) == {"startPeriod": "2024-01", "endPeriod": "2024-03", "format": "csvdata"}
    assert got.content == body and got.source == "ecb_exr"


def test_fetch_reads_404_and_an_empty_answer_as_not_published_and_refuses_400(httpserver: HTTPServer) -> None:
    http = HttpSession(HttpPolicy(max_retries=0))
    httpserver.expect_oneshot_request("/service/data/EXR/M.USD.EUR.SP00.A").respond_with_data(
        "No results found.", 404
    )
    with pytest.raises(NotPublished, match="2026-11"):
        ECB.fetch_rates(http, httpserver.url_for("/"), ["EUR"], dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    httpserver.expect_oneshot_request("/service/data/EXR/M.USD.EUR.SP00.A").respond_with_data("", 200)
    with pytest.raises(NotPublished):
        ECB.fetch_rates(http, httpserver.url_for("/"), ["EUR"], dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    httpserver.expect_oneshot_request("/service/data/EXR/M.USD.EUR.SP00.A").respond_with_data("Bad key", 400)
    with pytest.raises(PermanentFetchError, match="400"):
        ECB.fetch_rates(http, httpserver.url_for("/"), ["EUR"], dt.date(2026, 11, 1), dt.date(2026, 11, 1))


# ------------------------------------------------------------------------------ the warehouse, both databases


def _rates(*rows: tuple[str, dt.date, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["currency", "period", "usd_per_unit"])


@pytest.fixture
def eu_and_china(engine: Engine) -> Engine:
    """China's exports to the EU in dollars (GACC), the EU's imports from China in euros (Comext), and the
    reverse; a yuan edition of GACC's line; a February-March figure on both sides, the EU's in euros."""
    jan = JAN
    load(
        engine,
        "cn_customs",
        jan,
        [
            row("cn_customs", "CHN", "EUU", "export", "TOTAL", jan, 40e9),
            row("cn_customs", "CHN", "EUU", "export", "TOTAL", jan, 290e9, "CNY"),
            row("cn_customs", "CHN", "EUU", "import", "TOTAL", jan, 22e9),
            row("cn_customs", "CHN", "EUU", "export", "8542", FEB, 1.2e9, period_months=2),
        ],
        "gacc",
    )
    load(
        engine,
        "eurostat_comext",
        jan,
        [
            row("eurostat_comext", "EUU", "CHN", "import", "TOTAL", jan, 38e9, "EUR"),
            row("eurostat_comext", "EUU", "CHN", "export", "TOTAL", jan, 19e9, "EUR"),
            row("eurostat_comext", "EUU", "CHN", "import", "8542", FEB, 1e9, "EUR", period_months=2),
        ],
        "comext",
    )
    return engine


def test_a_side_in_euros_enters_the_mirror_view_only_with_its_month_rate(eu_and_china: Engine) -> None:
    before = read_view(eu_and_china, "mirror_flows", [parse_filter("importer=EUU")])
    assert before.empty  # no rate yet: no row, rather than euros compared with dollars
    assert missing_rates(eu_and_china) == {"CNY": [JAN], "EUR": [JAN]}  # the two-month figure asks for none

    assert (
        upsert_exchange_rates(
            eu_and_china, _rates(("EUR", JAN, 1.0905), ("CNY", JAN, 0.1398), ("EUR", FEB, 1.0795)), "ecb_exr"
        ).written
        == 3
    )
    assert missing_rates(eu_and_china) == {}
    mirror = read_view(eu_and_china, "mirror_flows", [parse_filter("importer=EUU")])
    (pair,) = mirror.to_dict(orient="records")  # the yuan edition of the same line is not a second pair
    assert (pair["export_source"], pair["import_source"], pair["currency"]) == (
        "cn_customs",
        "eurostat_comext",
        "USD",
    )
    assert pair["export_value"] == 40e9 and pair["import_value"] == pytest.approx(38e9 * 1.0905)
    assert pair["gap"] == pytest.approx(38e9 * 1.0905 - 40e9)
    assert pair["gap_ratio"] == pytest.approx((38e9 * 1.0905 - 40e9) / 40e9)
    assert (pair["export_currency"], pair["export_value_published"], pair["export_usd_per_unit"]) == (
        "USD",
        40e9,
        1,
    )
    assert (pair["import_currency"], pair["import_value_published"]) == ("EUR", 38e9)
    assert pair["import_usd_per_unit"] == pytest.approx(1.0905)

    (back,) = read_view(eu_and_china, "mirror_flows", [parse_filter("exporter=EUU")]).to_dict(
        orient="records"
    )
    assert back["export_value"] == pytest.approx(19e9 * 1.0905) and back["import_value"] == 22e9
    assert back["gap_ratio"] == pytest.approx((22e9 - 19e9 * 1.0905) / (19e9 * 1.0905))
    two_months = read_view(eu_and_china, "mirror_flows", [parse_filter("commodity_code=8542")])
    assert two_months.empty


def test_a_revised_rate_replaces_the_stored_one_and_keeps_its_history(eu_and_china: Engine) -> None:
    """A changed rate for a stored month changed past mirror values with no trace: the old rate is now
    kept in exchange_rate_revision, like a revised figure; the same rate again changes nothing."""
    assert upsert_exchange_rates(eu_and_china, _rates(("EUR", JAN, 1.09)), "ecb_exr") == RatesWritten(1, 0)
    (first,) = table_rows(eu_and_china, "exchange_rate", order="currency")
    assert upsert_exchange_rates(eu_and_china, _rates(("EUR", JAN, 1.0905)), "other_src") == RatesWritten(
        0, 1
    )
    assert upsert_exchange_rates(eu_and_china, _rates(("EUR", JAN, 1.0905)), "other_src") == RatesWritten(
        0, 0
    )
    (stored,) = table_rows(eu_and_china, "exchange_rate", order="currency")
    assert stored["usd_per_unit"] == 1.0905 and stored["source"] == "other_src"
    (change,) = table_rows(eu_and_china, "exchange_rate_revision")
    assert (change["currency"], str(change["period"])) == ("EUR", "2024-01-01")
    assert (change["old_usd_per_unit"], change["new_usd_per_unit"]) == (1.09, 1.0905)
    assert (change["old_source"], change["new_source"]) == ("ecb_exr", "other_src")
    assert str(change["old_fetched_at"]) == str(first["fetched_at"])
    assert str(change["revised_at"]) > str(first["fetched_at"])
    (pair,) = read_view(eu_and_china, "mirror_flows", [parse_filter("importer=EUU")]).to_dict(
        orient="records"
    )
    assert pair["import_value"] == pytest.approx(38e9 * 1.0905)


def test_a_rate_of_another_month_converts_nothing(eu_and_china: Engine) -> None:
    upsert_exchange_rates(eu_and_china, _rates(("EUR", FEB, 1.0795)), "ecb_exr")
    assert read_view(eu_and_china, "mirror_flows", [parse_filter("importer=EUU")]).empty
    assert missing_rates(eu_and_china)["EUR"] == [JAN]


def test_the_mirror_view_keeps_dollar_pairs_as_they_were(engine: Engine) -> None:
    march = dt.date(2026, 3, 1)
    load(
        engine, "kr_customs", march, [row("kr_customs", "KOR", "CHN", "export", "TOTAL", march, 100e9)], "kr"
    )
    load(
        engine, "cn_customs", march, [row("cn_customs", "CHN", "KOR", "import", "TOTAL", march, 110e9)], "cn"
    )
    (pair,) = read_view(engine, "mirror_flows").to_dict(orient="records")
    assert (pair["export_value"], pair["import_value"], pair["gap"]) == (100e9, 110e9, 10e9)
    assert (pair["export_usd_per_unit"], pair["import_usd_per_unit"]) == (1, 1)


def test_the_migration_down_and_up_again(engine: Engine) -> None:
    from warehouse.migrate import downgrade, upgrade
    from warehouse.reader import read_login

    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        reader = read_login(conn) if postgres else None
    assert (reader is not None) == postgres  # migration 0010 made this warehouse's reader role
    downgrade(engine, "0007_growth_view")
    with engine.connect() as conn:
        columns = list(conn.execute(text("SELECT * FROM mirror_flows")).keys())
        if reader is not None:  # 0010 down: its role is gone with it
            assert (
                conn.execute(
                    text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": reader.role}
                ).scalar()
                == 0
            )
    assert "import_currency" not in columns and columns[-1] == "gap_ratio"
    upgrade(engine)
    with engine.connect() as conn:
        columns = list(conn.execute(text("SELECT * FROM mirror_flows")).keys())
    assert columns[-3:] == ["import_currency", "import_value_published", "import_usd_per_unit"]


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        ("EXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,20000", "EUR 2024-01: 20000.0 US dollars per unit"),
        ("EXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,1e-9", "EUR 2024-01: 1e-09 US dollars per unit"),
        ("EXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,1e-320", "EUR 2024-01: 1e-320 US dollars per unit"),
    ],
)
def test_a_finite_rate_outside_the_plausible_range_is_refused(row: str, shown: str) -> None:
    """Finite and positive is not enough: 1e-320 dollars per euro, or 20,000, is a broken answer."""
    from extractors.rates import check_rates

    answer = payload(f"{HEADER}\n{row}\n")
    with pytest.raises(ParseError, match=f"{shown} is not a plausible rate") as caught:
        check_rates(answer, ECB.parse_rates(answer))
    assert caught.value.url == answer.url
    fine = payload(f"{HEADER}\nEXR.M.USD.EUR.SP00.A,M,USD,EUR,SP00,A,2024-01,1.0905\n")
    assert len(check_rates(fine, ECB.parse_rates(fine))) == 1
