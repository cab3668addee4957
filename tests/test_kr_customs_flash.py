"""Korea Customs' preliminary figures (issue 28 item 1): the four services, their windows, the checks that
catch a wrong slot list or a mislabelled file, the release calendar, and loading them beside the month."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, text

from cli.local import canonical_rows, ingest_file, payload_from_file
from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import NotPublished, ParseError, PublisherError
from extractors.http import HttpPolicy, HttpSession
from extractors.kr_customs_flash.calendar import KrCustomsFlashCalendar, release_day, releases_of
from extractors.kr_customs_flash.settings import KrCustomsFlashSettings
from flows.checks import logged_warnings

FIX = Path(__file__).parent / "fixtures" / "kr_customs_flash"
IMPORTS_BY_PARTNER = FIX / "getCntyMmUtPrviImpAcrs_202301.xml"
FLASH = get_publisher("kr_customs_flash")
JAN = dt.date(2023, 1, 1)
KEY = "flash-KEY-0000"


def answer(month: str, windows: list[tuple[str, list[int]]], total_count: int | None = None) -> bytes:
    """An answer in the services' format: one item per window, amounts as the services write them."""
    items = "".join(
        "<item>"
        + "".join(f"<itemUsdAmt{i:02d}> {a:,}</itemUsdAmt{i:02d}>" for i, a in enumerate(amounts))
        + f"<priodDt>{window}</priodDt><priodMon>{month}</priodMon><priodYear>{month[:4]}</priodYear></item>"
        for window, amounts in windows
    )
    count = len(windows) if total_count is None else total_count
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00'
        "</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header><body><items>"
        f"{items}</items><numOfRows>100</numOfRows><pageNo>1</pageNo><totalCount>{count}</totalCount>"
        "</body></response>"
    ).encode()


def rows_of(body: bytes, scope: str) -> pd.DataFrame:
    payload = Payload("kr_customs_flash", body, "file:///answer.xml", "xml", scope=scope)
    return canonical_rows("kr_customs_flash", payload)


def figure(rows: pd.DataFrame, partner: str, code: str, days: int) -> float:
    match = rows[
        (rows["partner"] == partner) & (rows["commodity_code"] == code) & (rows["period_days"] == days)
    ]
    assert len(match) == 1, (partner, code, days)
    return float(match["value"].iloc[0])


def test_imports_by_partner_read_as_published() -> None:
    """The publisher's own figures for January 2023 (thousand USD): three running totals, the month whole."""
    rows = canonical_rows("kr_customs_flash", payload_from_file("kr_customs_flash", IMPORTS_BY_PARTNER))
    assert figure(rows, "WLD", "TOTAL", 10) == 20_130_610_000
    assert figure(rows, "CHN", "TOTAL", 10) == 4_803_571_000
    assert figure(rows, "WLD", "TOTAL", 20) == 43_949_168_000
    assert figure(rows, "WLD", "TOTAL", 0) == 59_037_259_000  # 01~31: the whole month, never days 1-31
    assert set(rows["period_days"]) == {10, 20, 0}
    assert set(rows["partner"]) == {
        "WLD",
        "CHN",
        "USA",
        "EUU",
        "JPN",
        "VNM",
        "AUS",
        "TWN",
        "SAU",
        "RUS",
        "MYS",
    }
    assert set(rows["flow"]) == {"import"} and set(rows["valuation"]) == {"CIF"}
    assert set(rows["commodity_system"]) == {"TOTAL"} and rows["provisional"].all()
    assert set(rows["period"]) == {JAN} and set(rows["period_months"]) == {1}


def test_items_are_korea_customs_own_groups_and_their_total_is_not_stored_twice() -> None:
    body = answer("202611", [("01~20", [40_000_000, 12_000_000, 2_000_000, *[1_000_000] * 8])])
    rows = rows_of(body, "items:export")
    assert len(rows) == 10 and set(rows["partner"]) == {"WLD"} and set(rows["commodity_system"]) == {"KCS"}
    assert figure(rows, "WLD", "semiconductors", 20) == 12_000_000_000
    assert "TOTAL" not in set(rows["commodity_code"])  # the by-partner answer's total is the one stored
    assert rows.loc[rows["commodity_code"] == "semiconductors", "commodity_name"].tolist() == [
        "Semiconductors"
    ]
    assert set(rows["valuation"]) == {"FOB"}
    imports = rows_of(body, "items:import")
    assert "crude_oil" in set(imports["commodity_code"]) and set(imports["valuation"]) == {"CIF"}


@pytest.mark.parametrize(
    ("month", "window", "days"),
    [("202402", "01~29", 0), ("202402", "01~28", 28), ("202302", "01~28", 0), ("202304", "01~30", 0)],
)
def test_the_last_day_of_the_month_makes_a_whole_month(month: str, window: str, days: int) -> None:
    rows = rows_of(answer(month, [(window, [100, *[1] * 10])]), "partners:export")
    assert set(rows["period_days"]) == {days}


def test_the_service_comes_from_the_scope_or_the_file_name(tmp_path: Path) -> None:
    body = IMPORTS_BY_PARTNER.read_bytes()
    for name in ("getCntyMmUtPrviImpAcrs_202301.xml", "cntymmutprviimpacrs-2023-01.xml"):
        (tmp_path / name).write_bytes(body)
        payload = payload_from_file("kr_customs_flash", tmp_path / name)
        assert set(canonical_rows("kr_customs_flash", payload)["flow"]) == {"import"}
    anonymous = tmp_path / "answer.xml"
    anonymous.write_bytes(body)
    with pytest.raises(ParseError, match=r"which of the four .* --scope") as caught:
        canonical_rows("kr_customs_flash", payload_from_file("kr_customs_flash", anonymous))
    assert caught.value.url == anonymous.resolve().as_uri()
    told = payload_from_file("kr_customs_flash", anonymous, scope="getCntyMmUtPrviImpAcrs")
    assert told.scope == "partners:import"
    # a scope that contradicts the file's own name: one of the two is wrong
    named = tmp_path / "getCntyMmUtPrviImpAcrs_202301.xml"
    with pytest.raises(
        ParseError, match=r"the scope given \(partners:export.*not the service the file's name"
    ):
        canonical_rows(
            "kr_customs_flash", payload_from_file("kr_customs_flash", named, scope="partners:export")
        )
    # only the file's own name counts, not a folder's
    folder = tmp_path / "cntyMmUtPrviImpAcrs"
    folder.mkdir()
    (folder / "answer.xml").write_bytes(body)
    with pytest.raises(ParseError, match="which of the four"):
        canonical_rows("kr_customs_flash", payload_from_file("kr_customs_flash", folder / "answer.xml"))
    with pytest.raises(ValueError, match="not a kr_customs_flash scope"):
        payload_from_file("kr_customs_flash", anonymous, scope="partners")


def test_a_slot_above_the_total_or_partners_above_it_together_refuse_the_answer() -> None:
    """What a wrong slot list or a file saved under another service's name looks like."""
    with pytest.raises(ParseError, match=r"slot CHN \(200\) is above the total \(100\).*slot list"):
        rows_of(answer("202611", [("01~10", [100, 200, *[0] * 9])]), "partners:export")
    with pytest.raises(ParseError, match=r"ten partners add up to 110, above the total \(100\)"):
        rows_of(answer("202611", [("01~10", [100, *[11] * 10])]), "partners:import")
    # printed rounding: ten slots rounded to the thousand may pass the total by up to 5.5 thousand
    assert len(rows_of(answer("202611", [("01~10", [100, 15, *[10] * 9])]), "partners:import")) == 11
    # items may overlap (machinery holds semiconductor equipment): only each one is checked
    assert len(rows_of(answer("202611", [("01~10", [100, *[90] * 10])]), "items:import")) == 10


def test_a_running_total_that_falls_is_a_warning_kept_with_the_release() -> None:
    windows = [("01~10", [100, 50, *[1] * 9]), ("01~20", [200, 40, *[2] * 9])]
    with logged_warnings() as warnings:
        rows = rows_of(answer("202611", windows), "partners:export")
    assert len(rows) == 22
    assert warnings == [
        "partners:export 2026-11: CHN falls to 40 thousand USD in days 1-20, below the window before"
    ]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("priodDt", "01-10", "not a window"),
        ("priodDt", "01~32", "not a window"),
        ("priodDt", "", "not a window"),
        ("priodMon", "202613", "not a month"),
        ("priodYear", "2022", "not the year of priodMon"),
        ("itemUsdAmt03", " 1,234.5", "202301 01~10: itemUsdAmt03 '1,234.5' is not an amount"),
        ("itemUsdAmt00", "-", "is not an amount"),
        ("itemUsdAmt10", "", "is not an amount"),
        ("itemUsdAmt01", "1,23", "is not an amount"),
    ],
)
def test_a_field_that_does_not_fit_is_an_error_that_names_it(field: str, value: str, says: str) -> None:
    body = IMPORTS_BY_PARTNER.read_text(encoding="utf-8")
    body = re.sub(rf"<{field}>[^<]*</{field}>", f"<{field}>{value}</{field}>", body, count=1)
    with pytest.raises(ParseError, match=re.escape(says)):
        rows_of(body.encode(), "partners:import")


def test_the_same_window_twice_or_a_paged_answer_is_refused() -> None:
    twice = answer("202611", [("01~10", [100, *[1] * 10]), ("01~10", [100, *[1] * 10])])
    with pytest.raises(ParseError, match="the same window twice"):
        rows_of(twice, "partners:import")
    with pytest.raises(ParseError, match="a paged answer: 1 items of 7"):
        rows_of(answer("202611", [("01~10", [100, *[1] * 10])], total_count=7), "partners:import")


def _fetch(server: HTTPServer, period: dt.date, scope: str) -> list[Payload]:
    settings = KrCustomsFlashSettings(base_url=server.url_for("/1220000"), service_key=KEY)
    http = HttpSession(HttpPolicy(max_retries=0), secrets=[KEY])
    return FLASH.fetch(http, settings, period, FLASH.scope(scope))


def test_a_month_not_out_yet_is_not_published_with_its_release_day(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/1220000/prlstMmUtPrviExpAcrs/getPrlstMmUtPrviExpAcrs").respond_with_data(
        answer("202612", []), content_type="application/xml"
    )
    with pytest.raises(NotPublished, match=r"days 1-10 due 2026-12-11, 09:00 Asia/Seoul"):
        _fetch(httpserver, dt.date(2026, 12, 1), "items:export")


@pytest.mark.parametrize(("code", "status"), [("20", 200), ("30", 401)])
def test_a_service_the_key_is_not_approved_for_says_so_in_words(
    httpserver: HTTPServer, code: str, status: int
) -> None:
    refusal = (
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>"
        f"SERVICE_ACCESS_DENIED_ERROR</returnAuthMsg><returnReasonCode>{code}</returnReasonCode>"
        "</cmmMsgHeader></OpenAPI_ServiceResponse>"
    )
    httpserver.expect_request("/1220000/cntyMmUtPrviExpAcrs/getCntyMmUtPrviExpAcrs").respond_with_data(
        refusal, status=status, content_type="text/xml"
    )
    with pytest.raises(PublisherError, match=r"each data\.go\.kr service needs its own approval") as caught:
        _fetch(httpserver, dt.date(2026, 11, 1), "partners:export")
    assert KEY not in str(caught.value) and "cntyMmUtPrviExpAcrs" in caught.value.url


def test_the_key_is_kr_customs_key_unless_its_own_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.settings import Settings

    monkeypatch.setenv("TRADEFLOW_KR_CUSTOMS_SERVICE_KEY", "shared-key")
    assert Settings().publisher("kr_customs_flash").key() == "shared-key"
    monkeypatch.setenv("TRADEFLOW_KR_CUSTOMS_FLASH_SERVICE_KEY", "own-key")
    assert Settings().publisher("kr_customs_flash").key() == "own-key"


def test_settings_choose_services_and_refuse_lists_the_services_fix() -> None:
    chosen = KrCustomsFlashSettings(services=["getCntyMmUtPrviImpAcrs", "items:export"])
    assert [str(s) for s in FLASH.scopes(chosen)] == ["partners:import", "items:export"]
    refusals: list[tuple[dict[str, list[str]], str]] = [
        ({"partners": ["CHN"]}, "fixed lists"),
        ({"commodities": ["8542"]}, "fixed lists"),
        ({"reporters": ["CHN"]}, "Korea alone"),
        ({"services": ["x"]}, "not a kr_customs_flash scope"),
    ]
    for bad, says in refusals:
        with pytest.raises(ValueError, match=says):
            KrCustomsFlashSettings(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "days", "day"),
    [
        (dt.date(2026, 11, 1), 10, dt.date(2026, 11, 11)),  # a Wednesday
        (dt.date(2026, 10, 1), 10, dt.date(2026, 10, 12)),  # the 11th a Sunday
        (dt.date(2025, 10, 1), 10, dt.date(2025, 10, 13)),  # a Saturday, after Chuseok week
        (dt.date(2026, 2, 1), 20, dt.date(2026, 2, 23)),  # the 21st a Saturday
        (dt.date(2026, 12, 1), 0, dt.date(2027, 1, 4)),  # New Year's Day, then a weekend
        (dt.date(2026, 9, 1), 20, dt.date(2026, 9, 21)),
        (dt.date(2026, 9, 1), 0, dt.date(2026, 10, 1)),
    ],
)
def test_release_days_move_past_weekends_and_korean_holidays(
    period: dt.date, days: int, day: dt.date
) -> None:
    assert release_day(period, days) == day


def test_the_calendar_plans_the_month_whose_window_is_out() -> None:
    calendar = KrCustomsFlashCalendar()
    assert calendar.latest_month(dt.date(2026, 12, 10)) == dt.date(2026, 11, 1)  # its whole month is out
    assert calendar.latest_month(dt.date(2026, 12, 11)) == dt.date(2026, 12, 1)
    assert calendar.latest_month(dt.date(2026, 10, 11)) == dt.date(2026, 9, 1)  # a Sunday: not yet
    assert calendar.last_refresh(dt.date(2026, 12, 6)) == dt.date(2026, 12, 1)
    assert calendar.last_refresh(dt.date(2026, 11, 30)) == dt.date(2026, 11, 23)  # the 21st a Saturday
    assert [d for _, d in releases_of(dt.date(2026, 11, 1))] == sorted(
        d for _, d in releases_of(dt.date(2026, 11, 1))
    )


def test_the_three_windows_load_as_three_figures_and_each_is_revised_alone(
    engine: Engine, tmp_path: Path
) -> None:
    body = IMPORTS_BY_PARTNER.read_text(encoding="utf-8")
    first = tmp_path / "getCntyMmUtPrviImpAcrs_202301.xml"
    first.write_text(body, encoding="utf-8")
    load = ingest_file(engine, tmp_path, "kr_customs_flash", first)
    assert load.result is not None and load.result.inserted == 33
    revised = tmp_path / "cntyMmUtPrviImpAcrs_202301_again.xml"
    revised.write_text(body.replace(" 9,927,410<", " 9,927,411<"), encoding="utf-8")  # China, days 1-20
    again = ingest_file(engine, tmp_path, "kr_customs_flash", revised)
    assert again.result is not None and (again.result.revised, again.result.inserted) == (1, 0)
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT period_days, value FROM trade_flow WHERE source = 'kr_customs_flash'"
                " AND partner = 'CHN' ORDER BY period_days"
            )
        ).all()
    assert [(d, float(v)) for d, v in stored] == [
        (0, 13_054_012_000),
        (10, 4_803_571_000),
        (20, 9_927_411_000),
    ]


def _nationtrade(month: str, exports_usd: int) -> str:
    """Korea Customs' final monthly figure with China (nationtrade), in its answer format."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>'
        "<resultMsg>정상서비스.</resultMsg></header><body><items><item><balPayments>0</balPayments>"
        f"<expCnt>1</expCnt><expDlr>{exports_usd}</expDlr><impCnt>1</impCnt><impDlr>{exports_usd}</impDlr>"
        f"<statCd>CN</statCd><statCdCntnKor1>중국</statCdCntnKor1><year>{month}</year></item></items></body>"
        "</response>"
    )


def test_headline_sets_the_preliminary_month_beside_the_final_one(db_url: str, tmp_path: Path) -> None:
    """The preliminary whole month stays beside Korea Customs' final one, and `headline --against` reads
    them side by side, as a user runs it."""
    from tests.helpers import empty_config, run_cli

    preliminary = {"202601": 10_000_000, "202602": 9_000_000}  # China, whole month, thousand USD
    final = {"2026.01": 10_030_000_000, "2026.02": 9_010_000_000}  # USD
    files = []
    for month, china in preliminary.items():
        path = tmp_path / f"getCntyMmUtPrviExpAcrs_{month}.xml"
        last = "31" if month.endswith("01") else "28"
        path.write_bytes(answer(month, [(f"01~{last}", [50_000_000, china, *[1_000_000] * 9])]))
        files.append(str(path))
    for month, china_usd in final.items():
        path = tmp_path / f"nationtrade_CN_{month}.xml"
        path.write_text(_nationtrade(month, china_usd), encoding="utf-8")
        files.append(str(path))
    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    for source, names in (("kr_customs_flash", files[:2]), ("kr_customs", files[2:])):
        loaded = run_cli(env, "ingest-file", "--source", source, *names)
        assert loaded.returncode == 0, loaded.stderr
    out = run_cli(
        env, "headline", "--source", "kr_customs", "--reporter", "KOR", "--partner", "CHN", "--flow",
        "export", "--year", "2026", "--through-month", "2", "--against", "kr_customs_flash",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first.startswith("KOR exports to CHN, January-February 2026: USD 19.0 bn")
    summed_final, summed_preliminary = sum(final.values()), sum(preliminary.values()) * 1000
    pct = (summed_final - summed_preliminary) / summed_preliminary * 100
    assert second == (
        f"  kr_customs_flash printed USD 19.0 bn for it (provisional, last released {dt.date.today()}); "
        f"kr_customs's figure is {pct:+.1f}% (+USD 40.0 mn) on that"
    )
    missing = run_cli(
        env, "headline", "--source", "kr_customs", "--reporter", "KOR", "--partner", "USA", "--flow",
        "export", "--year", "2026", "--against", "kr_customs_flash",
    )  # fmt: skip
    assert missing.returncode == 1 and "no figures" in missing.stderr and "Traceback" not in missing.stderr
    absent = run_cli(
        env, "headline", "--source", "kr_customs", "--reporter", "KOR", "--partner", "CHN", "--flow",
        "export", "--year", "2026", "--through-month", "2", "--against", "us_census",
    )  # fmt: skip
    assert absent.returncode == 1 and absent.stderr.startswith(
        "tradeflow headline: --against us_census: no figures"
    )
    no_month = run_cli(env, "headline", "--source", "kr_customs_flash", "--reporter", "KOR", "--flow", "export",
                       "--year", "2026", "--days", "20")  # fmt: skip
    assert no_month.returncode == 1 and "--days N needs --through-month M" in no_month.stderr


def test_chart_draws_the_first_days_of_each_month_and_never_mixes_them_with_months(
    db_url: str, tmp_path: Path
) -> None:
    from tests.helpers import empty_config, run_cli

    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    files = []
    for month, scale in (("202511", 100), ("202611", 125)):
        path = tmp_path / f"getCntyMmUtPrviExpAcrs_{month}.xml"
        windows = [("01~10", [scale * 300_000, *[1_000] * 10]), ("01~20", [scale * 600_000, *[2_000] * 10])]
        if month == "202511":
            windows.append(("01~30", [scale * 1_000_000, *[3_000] * 10]))
        path.write_bytes(answer(month, windows))
        files.append(str(path))
    assert run_cli(env, "ingest-file", "--source", "kr_customs_flash", *files).returncode == 0
    selection = ("--source", "kr_customs_flash", "--reporter", "KOR", "--flow", "export")
    out = tmp_path / "days20.svg"
    drawn = run_cli(env, "chart", *selection, "--days", "20", "--out", str(out))
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout == (
        "chart of KOR exports to the world, days 1-20 of each month (kr_customs_flash, USD), 2025-11 to 2026-11:"
        f" {out}\n"
    )
    svg = out.read_text(encoding="utf-8")
    assert "the first 20 days of each month" in svg and "Change on a year earlier" in svg  # +25.0% drawn
    months = run_cli(env, "chart", *selection, "--out", str(tmp_path / "months.svg"))
    assert months.returncode == 0, months.stderr
    assert "2025-11 to 2025-11" in months.stdout  # November 2026's days 1-20 are not a month
    none = run_cli(
        env, "chart", *selection, "--days", "10", "--from", "2026-12", "--out", str(tmp_path / "x.svg")
    )
    assert none.returncode == 1
    assert "no complete figures for days 1-10 of any month" in none.stderr


@pytest.mark.browser
def test_the_days_chart_reads_as_days_in_a_browser(tmp_path: Path) -> None:
    """The chart a user opens: the title and each point's tooltip say which days of the month it covers."""
    from playwright.sync_api import sync_playwright

    from tests.helpers import empty_config, run_cli
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    env = {
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
    }
    files = []
    for month, scale in (("202510", 100), ("202610", 110)):
        path = tmp_path / f"getCntyMmUtPrviExpAcrs_{month}.xml"
        path.write_bytes(answer(month, [("01~10", [scale * 300_000, *[1_000] * 10])]))
        files.append(str(path))
    assert run_cli(env, "ingest-file", "--source", "kr_customs_flash", *files).returncode == 0
    out = tmp_path / "days10.html"
    drawn = run_cli(
        env, "chart", "--source", "kr_customs_flash", "--reporter", "KOR", "--flow", "export", "--days", "10",
        "--out", str(out),
    )  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(out.as_uri())
        page.wait_for_selector("svg .mark-line path", timeout=30_000)
        text = page.locator("body").text_content() or ""
        bars = page.locator("svg .mark-rect path").count()
        page.locator("svg g.mark-symbol.role-mark path").last.hover()  # the last point (not the legend's)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
        tooltip = page.locator("#vg-tooltip-element").text_content() or ""
        browser.close()
    assert "South Korea's exports to the world, USD, the first 10 days of each month" in text
    assert bars == 1  # October 2026's days 1-10 against October 2025's: +10%
    assert tooltip.startswith("daysOct 2026, days 1-10"), tooltip  # the field is "days", not "months"


def test_korea_customs_own_item_is_found_by_its_code_beside_a_group_of_that_name(
    db_url: str, tmp_path: Path
) -> None:
    """`semiconductors` is a default group (HS 8541, 8542) and Korea Customs' own item code: for a source
    that stores the code, the code wins."""
    from tests.helpers import empty_config, run_cli

    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    path = tmp_path / "getPrlstMmUtPrviExpAcrs_202611.xml"
    path.write_bytes(answer("202611", [("01~20", [40_000_000, 12_000_000, *[1_000_000] * 9])]))
    assert run_cli(env, "ingest-file", "--source", "kr_customs_flash", str(path)).returncode == 0
    out = run_cli(env, "headline", "--source", "kr_customs_flash", "--reporter", "KOR", "--flow", "export",
                  "--commodity", "semiconductors", "--year", "2026", "--through-month", "11", "--days", "20")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(
        "KOR exports of semiconductors to the world, in the first 20 days of November 2026: USD 12.0 bn"
    )
