"""Every figure quoted in ../shared/real-releases/README.md, reproduced by `tradeflow parse`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from extractors.base import Payload
from extractors.cn_customs import PUBLISHER as GACC
from extractors.cn_customs.fetch import parse_index
from extractors.errors import PublisherError
from extractors.kr_customs import PUBLISHER as KCS
from extractors.kr_customs.areas import area_of as kcs_area
from extractors.un_comtrade.areas import area_of as comtrade_area
from transforms import areas

pytestmark = pytest.mark.real_payload


def parse_cli(source: str, path: Path, fmt: str = "json") -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "flows", "parse", "--source", source, "--format", fmt, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if fmt == "json":
        return list(json.loads(out))
    return list(csv.DictReader(io.StringIO(out)))


def pick(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_comtrade_china_imports_from_argentina_2010(real_releases: Path) -> None:
    for name in ("data_v1_get_C_A_HS_china_2010_arg_deu.json", "data_v1_get_C_A_HS_china_2010_goods.json"):
        rows = parse_cli("un_comtrade", real_releases / "un_comtrade" / name)
        assert len(rows) == 4
        row = pick(rows, reporter="CHN", partner="ARG", flow="import")
        assert row["value"] == 6_804_128_143
        assert (row["valuation"], row["currency"], row["period"], row["period_months"]) == (
            "CIF",
            "USD",
            "2010-01-01",
            12,
        )
        assert pick(rows, partner="DEU", flow="export")["valuation"] == "FOB"


def test_comtrade_empty_result_is_zero_rows(real_releases: Path) -> None:
    assert parse_cli("un_comtrade", real_releases / "un_comtrade" / "data_v1_empty_result.json") == []


def test_comtrade_reference_codes(real_releases: Path) -> None:
    with (real_releases / "un_comtrade" / "partner.csv").open(encoding="utf-8") as fh:
        partner = {r["id"]: r for r in csv.DictReader(fh)}
    assert comtrade_area(410) == "KOR" and partner["410"]["iso_3"] == "KOR"
    assert comtrade_area(156) == "CHN"
    assert comtrade_area(0) == "WLD" and partner["0"]["iso_3"] == "World"
    assert comtrade_area(490) == "XOA" and partner["490"]["country"] == "Other Asia, nes"
    # Every code in the official lists maps to an ISO code, a documented special code or a kept code.
    for code in partner:
        area = comtrade_area(code)
        assert len(area) == 3 or area == f"un_comtrade:{code}"


def test_comtrade_hs_reference_has_8542(real_releases: Path) -> None:
    doc = json.loads((real_releases / "un_comtrade" / "ref_HS.json").read_text(encoding="utf-8"))
    results = doc["results"] if isinstance(doc, dict) else doc
    assert any(str(r.get("id")) == "8542" for r in results)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_korea_memory_exports_to_china_january_2026(real_releases: Path, fmt: str) -> None:
    rows = parse_cli(
        "kr_customs", real_releases / "kr_customs" / "nitemtrade_8542_CN_202601-202606_excerpt.xml", fmt
    )
    row = pick(rows, commodity_code="854232", flow="export")
    assert float(row["value"]) == 4_934_026_496
    assert (row["reporter"], row["partner"], row["period"], row["currency"], row["valuation"]) == (
        "KOR",
        "CHN",
        "2026-01-01",
        "USD",
        "FOB",
    )
    assert float(row["net_weight_kg"]) == 124_261
    # The grand total over the query window (53,169,766,562 USD) is not a month.
    assert all(float(r["value"]) != 53_169_766_562 for r in rows)
    assert {r["period"] for r in rows} == {"2026-01-01"}


def test_korea_gateway_error_carries_the_publishers_message(real_releases: Path) -> None:
    path = real_releases / "kr_customs" / "gateway_error_12_http400.xml"
    with pytest.raises(PublisherError) as err:
        KCS.parse(Payload("kr_customs", path.read_bytes(), path.as_uri(), "xml"))
    assert err.value.code == "12" and "NO_OPENAPI_SERVICE_ERROR" in str(err.value)
    result = subprocess.run(
        [sys.executable, "-m", "flows", "parse", "--source", "kr_customs", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "gateway error 12" in result.stderr and "Traceback" not in result.stderr


def test_kcs_country_codes_map(real_releases: Path) -> None:
    text = (real_releases / "kr_customs" / "kcs_country_codes.csv").read_text(encoding="utf-8")
    codes = [line.split(",")[0] for line in text.splitlines()[3:] if line.strip()]
    assert len(codes) == 269
    mapped = {c: kcs_area(c) for c in codes}
    assert (mapped["CN"], mapped["US"], mapped["EU"], mapped["ZZ"]) == ("CHN", "USA", "EUU", "XZZ")
    unmapped = sorted(c for c, a in mapped.items() if areas.is_unmapped(a))
    assert len(unmapped) <= 5, unmapped  # kept as kr_customs:<code>, never dropped


def test_gacc_table4_korea_march_2026_cny(real_releases: Path) -> None:
    path = real_releases / "cn_customs" / "table4_by_country_2026-03_cny.html"
    rows = parse_cli("cn_customs", path)
    exports = pick(rows, partner="KOR", flow="export", period_months=1)
    imports = pick(rows, partner="KOR", flow="import", period_months=1)
    assert (exports["value"], exports["period"], exports["currency"]) == (
        107_150_000_000,
        "2026-03-01",
        "CNY",
    )
    assert imports["value"] == 162_910_000_000
    ytd_exp = pick(rows, partner="KOR", flow="export", period_months=3)
    ytd_imp = pick(rows, partner="KOR", flow="import", period_months=3)
    assert (ytd_exp["value"], ytd_exp["period"]) == (290_180_000_000, "2026-01-01")
    assert ytd_imp["value"] == 411_500_000_000
    # Export & Import and year-on-year percentages are kept in the raw rows, exactly as published.
    raw = GACC.parse(Payload("cn_customs", path.read_bytes(), path.as_uri(), "html"))
    korea = raw[raw["label"] == "R. O. Korea"]
    published = {(r.flow, r.kind): r.figure for r in korea.itertuples()}
    assert published[("total", "month")] == "2,700.6" and published[("total", "ytd")] == "7,016.9"
    yoy = korea[korea["kind"] == "yoy"].set_index("flow")["figure"].to_dict()
    assert yoy == {"total": "32.0", "export": "21.4", "import": "40.6"}


def test_gacc_table5_integrated_circuits_march_2026_usd(real_releases: Path) -> None:
    rows = parse_cli("cn_customs", real_releases / "cn_customs" / "table5_major_exports_2026-03_usd.html")
    march = pick(rows, commodity_code="electronic_integrated_circuits", period_months=1)
    assert (march["value"], march["currency"], march["flow"], march["partner"]) == (
        29_146_900_000,
        "USD",
        "export",
        "WLD",
    )
    assert (march["quantity"], march["quantity_unit"]) == (32_530_000_000, "pcs")
    ytd = pick(rows, commodity_code="electronic_integrated_circuits", period_months=3)
    assert (ytd["value"], ytd["quantity"], ytd["period"]) == (72_470_700_000, 84_990_000_000, "2026-01-01")


def test_gacc_index_links(real_releases: Path) -> None:
    links = parse_index(
        (real_releases / "cn_customs" / "preliminary_index_2026.html").read_bytes(), "http://127.0.0.1:8123"
    )
    assert links[("4", "USD", 3)].startswith("http://127.0.0.1:8123/Statics/")
    assert not [k for k in links if k[2] == 1]  # January: no link, released with February
    assert ("5", "CNY", 2) in links and ("6", "USD", 2) in links


DATA_PAYLOADS = [
    ("un_comtrade", "un_comtrade/data_v1_get_C_A_HS_china_2010_arg_deu.json", 4),
    ("un_comtrade", "un_comtrade/data_v1_empty_result.json", 0),
    ("kr_customs", "kr_customs/nitemtrade_8542_CN_202601-202606_excerpt.xml", 6),
    ("cn_customs", "cn_customs/table4_by_country_2026-03_cny.html", 120),
    ("cn_customs", "cn_customs/table5_major_exports_2026-03_usd.html", 62),
]


def test_ingest_file_loads_every_real_payload_with_its_lineage(
    real_releases: Path, engine: Any, tmp_path: Path
) -> None:
    import hashlib

    from cli.local import ingest_file
    from tests.helpers import table_rows

    for source, name, expected in DATA_PAYLOADS:
        path = real_releases / name
        result = ingest_file(engine, tmp_path / "data", source, path).result
        if expected == 0:  # a valid answer with no figures (Comtrade's empty result) writes nothing at all
            assert result is None, name
            continue
        assert result is not None and (result.rows, result.inserted) == (expected, expected), name
        release = next(r for r in table_rows(engine, "release") if r["id"] == result.release_id)
        assert release["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (release["source"], release["scope"], release["bytes"]) == (
            source,
            f"file:{path.name}",
            path.stat().st_size,
        )
        assert Path(str(release["raw_path"])).read_bytes() == path.read_bytes()
    figures = table_rows(engine, "trade_flow")
    assert len(figures) == sum(e for *_, e in DATA_PAYLOADS)
    korea = [
        f
        for f in figures
        if f["source"] == "kr_customs" and f["commodity_code"] == "854232" and f["flow"] == "export"
    ]
    assert [f["value"] for f in korea] == [4_934_026_496]
