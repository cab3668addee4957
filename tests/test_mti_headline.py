"""The sentence the news printed (issue 28 item 4): Korea's semiconductor exports as Korea counts them (MTI
831), from Korea Customs answers in their real format, summed here independently of tradeflow's code."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.helpers import empty_config, run_cli

ROOT = Path(__file__).resolve().parents[1]
CONCORDANCE = ROOT / "extractors" / "kr_customs" / "hsk_mti_2026.csv"
MONTHS = [f"{year}.{month:02d}" for year in (2023, 2024) for month in range(1, 13)]


def _semiconductor_lines() -> list[str]:
    with CONCORDANCE.open(encoding="utf-8") as handle:
        return sorted(row["hsk"] for row in csv.DictReader(handle) if row["mti"].startswith("831"))


def _value(line: int, month: str) -> int:
    """A made-up monthly export value in dollars, 2024 1.439 times 2023 (the news: +43.9% to $141.9 bn)."""
    year, number = int(month[:4]), int(month[5:])
    base = 100_800_000 + 1_200_000 * line + 1_500_000 * number
    return base if year == 2023 else base * 1439 // 1000


def _answer(partner: str | None, lines: list[tuple[str, dict[str, int]]]) -> str:
    """A Korea Customs answer: nitemtrade (a partner's `statCd`, code in `hsCd`) or Itemtrade (the world,
    code in `hsCode`), every month of 2023 and 2024 in one answer, the grand total row last."""
    items = []
    for code, by_month in lines:
        for month, exports in by_month.items():
            if partner:
                items.append(
                    f"<item><balPayments>{exports}</balPayments><expDlr>{exports}</expDlr><expWgt>1</expWgt>"
                    f"<hsCd>{code}</hsCd><impDlr>0</impDlr><impWgt>0</impWgt><statCd>{partner}</statCd>"
                    f"<statCdCntnKor1>중국</statCdCntnKor1><statKor>-</statKor><year>{month}</year></item>"
                )
            else:
                items.append(
                    f"<item><balPayments>{exports}</balPayments><expDlr>{exports}</expDlr><expWgt>1</expWgt>"
                    f"<hsCode>{code}</hsCode><impDlr>0</impDlr><impWgt>0</impWgt><statKor>-</statKor>"
                    f"<year>{month}</year></item>"
                )
    total = sum(v for _, by_month in lines for v in by_month.values())
    code_tag = "hsCd" if partner else "hsCode"
    items.append(
        f"<item><balPayments>{total}</balPayments><expDlr>{total}</expDlr><expWgt>1</expWgt>"
        f"<{code_tag}>-</{code_tag}><impDlr>0</impDlr><impWgt>0</impWgt><statKor>-</statKor>"
        f"<year>총계</year></item>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00'
        f"</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items>{''.join(items)}</items></body>"
        "</response>"
    )


@pytest.fixture
def korea(engine: Engine, db_url: str, tmp_path: Path) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Two years of answers at the levels the group needs; returns the CLI's environment and, by partner,
    the group's exports per year as this test sums them."""
    members = _semiconductor_lines()
    assert len(members) == 57
    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    expected: dict[str, dict[str, int]] = {}
    for partner in ("CN", None):
        scale = 1 if partner is None else 3  # China: about a third
        lines = [(code, {m: _value(i, m) // scale for m in MONTHS}) for i, code in enumerate(members)]
        memory = [(c, v) for c, v in lines if c.startswith("854232")]
        lines += [
            # the HS6 line beside its HSK lines (all of them semiconductors): counted once
            ("854232", {m: sum(v[m] for _, v in memory) for m in MONTHS}),
            # out of the group: solar modules, and computer parts beside the memory modules
            ("8541430000", {m: 900_000_000 for m in MONTHS}),
            ("8473301000", {m: 700_000_000 for m in MONTHS}),
            # only partly in: 847330 holds the memory modules (in) and computer parts (out)
            ("847330", {m: 700_000_000 + _value(members.index("8473304060"), m) // scale for m in MONTHS}),
        ]
        name = "nitemtrade_CN.xml" if partner else "itemtrade.xml"
        (tmp_path / name).write_text(_answer(partner, lines), encoding="utf-8")
        result = run_cli(env, "ingest-file", "--source", "kr_customs", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        expected["CHN" if partner else "WLD"] = {
            year: sum(v[m] for c, v in lines if c in members for m in MONTHS if m.startswith(year))
            for year in ("2023", "2024")
        }
    return env, expected


def _said(total: dict[str, int], to: str) -> str:
    pct = (total["2024"] / total["2023"] - 1) * 100
    return f"South Korea's semiconductor exports{to} rose {pct:.1f}% on-year to ${total['2024'] / 1e9:.1f} bn in 2024"


def test_korea_s_semiconductor_exports_as_the_news_counts_them(
    korea: tuple[dict[str, str], dict[str, dict[str, int]]],
) -> None:
    env, expected = korea
    ask = ["headline", "--source", "kr_customs", "--reporter", "KOR", "--flow", "export", "--year", "2024"]
    world = run_cli(env, *ask, "--commodity", "semiconductors_mti")
    assert world.returncode == 0, world.stderr
    first, made_of = world.stdout.splitlines()
    assert first.startswith(_said(expected["WLD"], "") + " (12 of 12 months, kr_customs"), first
    assert "rose 43.9% on-year to $141.9 bn in 2024" in first  # the news' sentence, from these figures
    assert made_of.endswith("; complete") and "only partly in the group: 847330" in made_of
    assert "854232" in made_of and "8542321010" not in made_of and "8541430000" not in made_of
    china = run_cli(env, *ask, "--partner", "CHN", "--commodity", "semiconductors_mti")
    assert china.returncode == 0, china.stderr
    assert china.stdout.startswith(_said(expected["CHN"], " to China") + " (12 of 12 months"), china.stdout
    as_json = json.loads(run_cli(env, *ask, "--commodity", "semiconductors_mti", "--format", "json").stdout)
    assert (
        as_json["value"] == expected["WLD"]["2024"] and as_json["prior_year_value"] == expected["WLD"]["2023"]
    )
    assert as_json["complete"] is True and as_json["partial_lines"] == ["847330"]
    memory = [c for c in _semiconductor_lines() if c.startswith("854232")]
    assert len(as_json["lines"]) == 57 - len(memory) + 1  # 854232 stands for its HSK lines


def test_a_group_line_not_loaded_makes_the_figure_incomplete_and_says_which(
    korea: tuple[dict[str, str], dict[str, dict[str, int]]], engine: Engine
) -> None:
    from sqlalchemy import text

    env, _ = korea
    with engine.begin() as conn:  # as if the memory modules had not been fetched
        conn.execute(text("DELETE FROM trade_flow_revision"))
        conn.execute(text("DELETE FROM trade_flow WHERE commodity_code = '8473304060'"))
    ask = ["headline", "--source", "kr_customs", "--reporter", "KOR", "--flow", "export", "--year", "2024"]
    result = run_cli(env, *ask, "--commodity", "semiconductors_mti", "--format", "json")
    assert result.returncode == 0, result.stderr
    said = json.loads(result.stdout)
    assert said["complete"] is False and said["missing_lines"] == ["8473304060"]
    text_out = run_cli(env, *ask, "--commodity", "semiconductors_mti").stdout
    first = text_out.splitlines()[0]
    assert "(INCOMPLETE: 1 line of the group without figures, 12 of 12 months" in first  # said where quoted
    assert "incomplete: no figures for 1 of its lines (8473304060)" in text_out


def test_a_concordance_group_draws_and_is_refused_as_an_export_filter_in_words(
    korea: tuple[dict[str, str], dict[str, dict[str, int]]], tmp_path: Path
) -> None:
    env, _ = korea
    out = tmp_path / "semis.html"
    chart = run_cli(
        env, "chart", "--source", "kr_customs", "--reporter", "KOR", "--flow", "export",
        "--commodity", "semiconductors_mti", "--from", "2024-01", "--out", str(out),
    )  # fmt: skip
    assert chart.returncode == 0, chart.stderr
    assert "<html" in out.read_text(encoding="utf-8")
    refused = run_cli(
        env, "export", "--view", "trade_flow_latest", "--where", "commodity_code=semiconductors_mti",
        "--out", str(tmp_path / "x.csv"),
    )  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "semiconductors_mti is a group defined through a concordance" in refused.stderr
    assert not (tmp_path / "x.csv").exists()
