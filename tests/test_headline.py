"""`tradeflow headline` and `tradeflow chart` as an analyst runs them, on both databases: the sentence and
the JSON, groups complete only with every code, a partial year said as such, missing figures in one line;
the chart file opened in Debian's chromium with no network, its series drawn."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.helpers import empty_config, load, row
from transforms.headline import HeadlineError, combined_series, headline, select
from transforms.months import add_months

JAN_15, JUN_15 = dt.datetime(2025, 1, 15, 9, tzinfo=dt.UTC), dt.datetime(2025, 6, 15, 9, tzinfo=dt.UTC)


def _months(start: dt.date, n: int) -> list[dt.date]:
    return [add_months(start, i) for i in range(n)]


@pytest.fixture
def figures(engine: Engine) -> Engine:
    """KOR exports to CHN in 2023 (USD 124.8 bn) and 2024 (USD 133.0 bn) and to January-October 2025;
    semiconductors (8541 + 8542) for 2024 and January-June 2025 with 8541's June missing; a revision."""
    total = [
        row("kr_customs", "KOR", "CHN", "export", "TOTAL", m, 10.4e9 if m.year == 2023 else 133.0e9 / 12)
        for m in _months(dt.date(2023, 1, 1), 24)
    ]
    total += [
        row("kr_customs", "KOR", "CHN", "export", "TOTAL", m, 12e9) for m in _months(dt.date(2025, 1, 1), 10)
    ]
    total += [
        row("kr_customs", "KOR", "WLD", "export", "TOTAL", m, 52.25e9 if m.year == 2023 else 683.6e9 / 12)
        for m in _months(dt.date(2023, 1, 1), 24)
    ]
    chips = [
        row(
            "kr_customs",
            "KOR",
            "CHN",
            "export",
            code,
            m,
            (1e9 if code == "8542" else 0.25e9) * (1.5 if m.year == 2025 else 1),
        )
        for code in ("8541", "8542")
        for m in _months(dt.date(2024, 1, 1), 18)
        if not (code == "8541" and m == dt.date(2025, 6, 1))
    ]
    load(engine, "kr_customs", dt.date(2025, 10, 1), total + chips, "all", published_at=JAN_15)
    march = dt.date(2025, 3, 1)
    revised = row("kr_customs", "KOR", "CHN", "export", "8542", march, 2e9, provisional=True)
    load(engine, "kr_customs", march, [revised], "revised", published_at=JUN_15)
    return engine


def _cli(engine: Engine, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRADEFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], env=env, capture_output=True, text=True, timeout=120
    )


KOR_CHN = ("--source", "kr_customs", "--reporter", "KOR", "--partner", "CHN", "--flow", "export")


def test_a_years_exports_to_one_partner_in_one_sentence(figures: Engine, tmp_path: Path) -> None:
    result = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2024")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "KOR exports to CHN, 2024: USD 133.0 bn, +6.6% on year (12 of 12 months, kr_customs, "
        "last released 2025-01-15)\n"
    )


def test_the_json_says_the_same_with_its_keys(figures: Engine, tmp_path: Path) -> None:
    result = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2024", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "value",
        "prior_year_value",
        "yoy_pct",
        "months",
        "complete",
        "provisional",
        "currency",
        "source",
        "last_released_at",
    }
    assert doc["value"] == pytest.approx(133.0e9) and doc["prior_year_value"] == pytest.approx(124.8e9)
    assert doc["yoy_pct"] == pytest.approx((133.0 / 124.8 - 1) * 100, abs=1e-4)
    assert (doc["months"], doc["complete"], doc["provisional"]) == (12, True, False)
    assert (doc["currency"], doc["source"]) == ("USD", "kr_customs")
    assert doc["last_released_at"].startswith("2025-01-15T09:00:00")


def test_a_year_not_over_is_its_year_to_date_and_says_so(figures: Engine, tmp_path: Path) -> None:
    result = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2025", "--format", "json")
    doc = json.loads(result.stdout)
    assert (doc["months"], doc["complete"]) == (10, False)
    assert doc["value"] == pytest.approx(120e9) and doc["prior_year_value"] == pytest.approx(
        133.0e9 * 10 / 12
    )
    text = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2025").stdout
    assert text.startswith(
        "KOR exports to CHN, January-October 2025: USD 120.0 bn, +8.3% on year (10 of 12 months"
    )
    through = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2025", "--through-month", "3").stdout
    assert through.startswith(
        "KOR exports to CHN, January-March 2025: USD 36.0 bn, +8.3% on year (3 of 3 months"
    )


def test_a_commodity_group_sums_its_codes_and_is_complete_only_with_all(
    figures: Engine, tmp_path: Path
) -> None:
    args = ("headline", *KOR_CHN, "--commodity", "semiconductors", "--year", "2025")
    may = _cli(figures, tmp_path, *args, "--through-month", "5", "--format", "json")
    assert may.returncode == 0, may.stderr
    doc = json.loads(may.stdout)
    # 8542 in March was revised to 2.0 bn (provisional): the latest value counts.
    assert doc["value"] == pytest.approx(5 * 1.25e9 * 1.5 - 1.5e9 + 2e9)
    assert doc["prior_year_value"] == pytest.approx(5 * 1.25e9)
    assert (doc["months"], doc["complete"], doc["provisional"]) == (5, True, True)
    june = _cli(figures, tmp_path, *args, "--through-month", "6")
    assert june.returncode == 1 and june.stdout == ""
    assert june.stderr == (
        "tradeflow headline: KOR exports of semiconductors to CHN 2025: the group's codes (8541, 8542) are "
        "not all there for June\n"
    )
    one = _cli(
        figures,
        tmp_path,
        "headline",
        *KOR_CHN,
        "--commodity",
        "8542",
        "--year",
        "2025",
        "--through-month",
        "6",
    )
    assert (
        one.returncode == 0
        and "KOR exports of 8542 to CHN, January-June 2025: USD 9.5 bn, +58.3% on year" in one.stdout
    )


def test_figures_that_are_not_there_are_one_line_and_exit_1(figures: Engine, tmp_path: Path) -> None:
    nothing = _cli(
        figures,
        tmp_path,
        "headline",
        "--source",
        "kr_customs",
        "--reporter",
        "KOR",
        "--partner",
        "USA",
        "--flow",
        "export",
        "--year",
        "2024",
    )
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert nothing.stderr == "tradeflow headline: no figures for KOR exports to USA (kr_customs)\n"
    later = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2027")
    assert later.stderr == "tradeflow headline: no figures for KOR exports to CHN (kr_customs, USD) in 2027\n"
    bad_month = _cli(figures, tmp_path, "headline", *KOR_CHN, "--year", "2024", "--through-month", "13")
    assert bad_month.returncode == 2 and "a month is 1 to 12, not 13" in bad_month.stderr


def test_a_missing_month_inside_the_year_is_named() -> None:
    rows = pd.DataFrame(
        [
            {
                "commodity_code": "TOTAL",
                "period": m,
                "period_months": 1,
                "value": 1.0,
                "prior_year_value": None,
                "yoy_pct": None,
                "ytd_value": None if m.month > 2 else float(m.month),
                "ytd_prior_year_value": None,
                "ytd_yoy_pct": None,
                "ytd_months": m.month,
                "derived": False,
                "provisional": False,
                "released_at": pd.Timestamp("2025-05-01", tz="UTC"),
                "first_value": 1.0,
            }
            for m in _months(dt.date(2025, 1, 1), 4)
            if m.month != 3
        ]
    )
    selection = select("kr_customs", "KOR", "WLD", "export", "TOTAL", {})
    with pytest.raises(HeadlineError) as raised:
        headline(combined_series(rows, selection.codes), selection, "USD", 2025)
    assert str(raised.value) == (
        "KOR exports to the world through April 2025 is incomplete: no figures for Mar (kr_customs, USD)"
    )


@pytest.mark.browser
def test_the_chart_opens_offline_in_a_browser_with_its_series_drawn(figures: Engine, tmp_path: Path) -> None:
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    out = tmp_path / "chips.html"
    result = _cli(
        figures,
        tmp_path,
        "chart",
        *KOR_CHN,
        "--commodity",
        "semiconductors",
        "--from",
        "2024-01",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == f"chart of KOR exports of semiconductors to CHN (kr_customs, USD), 2024-01 to 2025-05: {out}\n"
    )
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        page.wait_for_selector("svg .mark-line path", timeout=30_000)
        lines = page.locator("svg .mark-line path").count()
        bars = page.locator("svg .mark-rect path").count()
        text = page.locator("body").text_content() or ""
        # What a reader sees on the axes, as the browser drew it.
        axis_labels = [t for t in page.locator("svg .role-axis-label text").all_text_contents() if t]
        page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)
        browser.close()
    assert [r for r in requests if not r.startswith("file://")] == []  # nothing fetched: it is all inline
    assert lines == 2  # the latest values, and the first-published March 2025 beside the revised one
    assert bars == 5  # January-May 2025 against a year earlier (June has no complete group figure)
    assert "first published" in text and "South Korea's exports of semiconductors to China, USD" in text
    months = [f"{dt.date(2000, m, 1):%b} {y}" for y in (2024, 2025) for m in range(1, 13)]
    months = months[: months.index("May 2025") + 1]
    ticks = [label for label in axis_labels if label[:3].isalpha() and label[-4:].isdigit()]
    # One tick per month, each once on each panel's axis, in order, the last month included (it read
    # "Aug 2026" five times and left the last month out).
    assert ticks == months + months[12:] or ticks == months + months, ticks
    values = [label for label in axis_labels if label.startswith("$")]
    assert values and all(v == "$0" or v.endswith((" bn", " m")) for v in values), values  # not "14G"
    assert any(label.endswith("%") for label in axis_labels), axis_labels  # the on-year panel


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_chart_as_a_file_for_reports(figures: Engine, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"total{suffix}"
    result = _cli(figures, tmp_path, "chart", *KOR_CHN, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    if suffix == ".svg":
        assert data.startswith(b"<svg") and b"South Korea&apos;s exports to China, USD" in data.replace(
            b"'", b"&apos;"
        )
    else:
        assert data.startswith(b"\x89PNG")


def test_the_nightly_headlines_say_what_tonight_changed(figures: Engine) -> None:
    from flows.headlines import headlines_markdown
    from tests.helpers import table_rows

    (revising,) = [r["id"] for r in table_rows(figures, "release") if str(r["url"]).endswith("/revised")]
    when = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
    text = headlines_markdown(
        figures, ["kr_customs"], {"semiconductors": ["8541", "8542"]}, [int(revising)], when
    )
    assert text.startswith("# Headlines (2025-11-20)\n")
    assert (
        "| kr_customs | KOR exports to CHN | Oct 2025 | USD 12.0 bn | +8.3% | USD 120.0 bn (+8.3%), 10 months "
        "| no change |" in text
    )
    # June has no 8541: the group's latest complete month is May; the March revision is tonight's.
    assert (
        "| kr_customs | KOR exports of semiconductors to CHN | May 2025 | USD 1.9 bn | +50.0% | "
        "USD 9.9 bn (+58.0%), 5 months | revised: Mar 2025 |" in text
    )


def test_an_export_filter_takes_a_group_name(figures: Engine, tmp_path: Path) -> None:
    out = tmp_path / "chips.csv"
    where = ["--where", "commodity_code=semiconductors", "--where", "period>=2025-01-01"]
    result = _cli(figures, tmp_path, "export", "--view", "trade_flow_growth", *where, "--out", str(out))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, dtype={"commodity_code": str})
    assert sorted(set(frame["commodity_code"])) == ["8541", "8542"] and len(frame) == 6 + 5
    assert result.stdout == f"11 rows of trade_flow_growth written to {out} (csv)\n"
    others = tmp_path / "others.csv"
    _cli(
        figures,
        tmp_path,
        "export",
        "--view",
        "trade_flow_latest",
        "--where",
        "commodity_code!=semiconductors",
        "--out",
        str(others),
    )
    assert set(pd.read_csv(others, dtype={"commodity_code": str})["commodity_code"]) == {"TOTAL"}


def test_a_line_in_several_currencies_reads_usd_unless_told(engine: Engine) -> None:
    from warehouse.growth import read_line

    may = dt.date(2025, 5, 1)
    figures = [
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", may, v, c)
        for v, c in ((10.0, "USD"), (70.0, "CNY"))
    ]
    figures.append(row("cn_customs", "CHN", "JPN", "export", "TOTAL", may, 9.0, "EUR"))
    figures.append(row("cn_customs", "CHN", "JPN", "export", "TOTAL", may, 60.0, "CNY"))
    load(engine, "cn_customs", may, figures, "editions")
    korea = select("cn_customs", "CHN", "KOR", "export", "TOTAL", {})
    assert read_line(engine, korea)[1] == "USD" and read_line(engine, korea)[0]["value"].tolist() == [10.0]
    cny = select("cn_customs", "CHN", "KOR", "export", "TOTAL", {}, currency="CNY")
    assert read_line(engine, cny)[0]["value"].tolist() == [70.0]
    with pytest.raises(
        HeadlineError,
        match=r"no figures in EUR for CHN exports to KOR \(cn_customs\); there are figures in CNY, USD",
    ):
        read_line(engine, select("cn_customs", "CHN", "KOR", "export", "TOTAL", {}, currency="EUR"))
    with pytest.raises(HeadlineError, match=r"has figures in CNY, EUR: choose one with --currency"):
        read_line(engine, select("cn_customs", "CHN", "JPN", "export", "TOTAL", {}))


def _growth_rows(figures: list[tuple[str, int, float, float | None, float]]) -> pd.DataFrame:
    """trade_flow_growth rows for May 2025: (code, period_months, value, ytd_value, prior_year_value)."""
    return pd.DataFrame(
        [
            {
                "commodity_code": code,
                "period": dt.date(2025, 5, 1) if months == 1 else dt.date(2025, 4, 1),
                "period_months": months,
                "value": value,
                "prior_year_value": prior,
                "ytd_value": ytd,
                "ytd_prior_year_value": prior,
                "ytd_months": 5,
                "derived": False,
                "provisional": False,
                "released_at": pd.Timestamp("2025-06-01", tz="UTC"),
                "first_value": value,
            }
            for code, months, value, ytd, prior in figures
        ]
    )


def test_a_group_sum_is_never_partial() -> None:
    """A code whose year to date is NULL (a month missing) leaves the group's NULL, though its month is
    there; a code's figure of another span does not add to the others'."""
    (may,) = combined_series(
        _growth_rows([("8541", 1, 1.0, None, 1.0), ("8542", 1, 2.0, 9.0, 1.0)]), ("8541", "8542")
    ).to_dict(orient="records")
    assert may["value"] == 3.0 and pd.isna(may["ytd_value"])
    mixed = combined_series(
        _growth_rows([("8541", 1, 1.0, 5.0, 1.0), ("8542", 2, 2.0, 9.0, 1.0)]), ("8541", "8542")
    )
    assert mixed["value"].isna().all()


def test_a_group_zero_a_year_earlier_gives_no_percentage() -> None:
    (may,) = combined_series(
        _growth_rows([("8541", 1, 1.0, 5.0, 0.0), ("8542", 1, 2.0, 9.0, 0.0)]), ("8541", "8542")
    ).to_dict(orient="records")
    assert may["prior_year_value"] == 0 and pd.isna(may["yoy_pct"]) and pd.isna(may["ytd_yoy_pct"])


def test_a_chart_without_a_year_earlier_says_why_it_has_no_on_year_panel() -> None:
    from cli.charts import build_chart, chart_title, money
    from transforms.headline import select

    months = [dt.date(2026, m, 1) for m in range(3, 8)]
    series = pd.DataFrame(
        {
            "end": months,
            "period": months,
            "period_months": 1,
            "value": [13.2e9, 13.9e9, 14.1e9, 12.0e9, 820e6],
            "first_value": [13.2e9, 13.9e9, 14.1e9, 12.0e9, 820e6],
            "yoy_pct": [None] * 5,
            "provisional": False,
        }
    )
    selection = select("cn_customs", "CHN", "KOR", "export", "TOTAL", {})
    spec = build_chart(series, selection, "USD").to_dict()
    assert "vconcat" not in spec  # no empty on-year panel
    assert spec["title"]["text"] == "China's exports to South Korea, USD" == chart_title(selection, "USD")
    assert spec["title"]["subtitle"].startswith("No change on a year earlier to draw")
    assert [money(v, c) for v, c in ((13.2e9, "USD"), (820e6, "CNY"), (2e9, "EUR"), (950.0, "USD"))] == [
        "$13.2 bn",
        "CNY 820 m",
        "€2 bn",
        "$950",
    ]


def test_a_long_chart_labels_each_quarter_and_the_last_month() -> None:
    from cli.charts import build_chart
    from transforms.headline import select
    from transforms.months import add_months

    months = [add_months(dt.date(2023, 2, 1), i) for i in range(30)]  # Feb 2023 .. Jul 2025
    series = pd.DataFrame(
        {"end": months, "period": months, "period_months": 1, "value": 1e9, "first_value": 1e9, "yoy_pct": 1.0,
         "provisional": False}
    )  # fmt: skip
    spec = build_chart(series, select("kr_customs", "KOR", "WLD", "export", "TOTAL", {}), "USD").to_dict()
    axis = spec["vconcat"][0]["encoding"]["x"]["axis"]
    assert "['01', '04', '07', '10']" in axis["labelExpr"] and "'2025-07'" in axis["labelExpr"]
    assert spec["vconcat"][0]["encoding"]["x"]["scale"]["domain"][-1] == "2025-07"  # a tick for every month


def test_a_chart_file_of_another_kind_is_refused_in_words_before_anything_is_read(
    figures: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "a.txt"
    refused = _cli(figures, tmp_path, "chart", *KOR_CHN, "--out", str(out))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert f"chart file {out} must end in .html, .svg, .png" in refused.stderr and not out.exists()
    assert ".part" not in refused.stderr  # it named a temporary file before
