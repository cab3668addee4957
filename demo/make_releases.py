"""Writes the demo's sample releases, in each publisher's real format, under demo/releases/.

The figures are made up (plausible magnitudes for Korea-China semiconductor trade); the formats, field
names, codes and quirks are the publishers'. Run `python -m demo.make_releases` to regenerate.

Every source has the three recent months the demo's nightly loads (MONTHS); Comtrade and Korea Customs
also have the 19 months before them (HISTORY), which `make demo` backfills so that README's examples have
a year earlier to compare with. Korea Customs' preliminary figures (kr_customs_flash) run from 2025-10 to November 2026's days 1-20.
demo/refreshed/ holds Korea Customs' mid-month refresh of the latest month
(a few figures revised), which the demo's second nightly finds.
"""

from __future__ import annotations

import calendar
import json
from pathlib import Path

ROOT = Path(__file__).parent / "releases"
MONTHS = ["2026-08", "2026-09", "2026-10"]
HISTORY = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:19]  # 2025-01 .. 2026-07
REFRESHED = Path(__file__).parent / "refreshed"


def comtrade_record(
    month: str, flow: str, partner: int, iso: str, cmd: str, desc: str, value: float, **fields: object
) -> dict[str, object]:
    """One UN Comtrade v1 monthly record (all 47 fields) for Korea as reporter; `fields` override any."""
    return {
        "typeCode": "C",
        "freqCode": "M",
        "refPeriodId": int(month.replace("-", "") + "01"),
        "refYear": int(month[:4]),
        "refMonth": int(month[5:]),
        "period": month.replace("-", ""),
        "reporterCode": 410,
        "reporterISO": "KOR",
        "reporterDesc": "Rep. of Korea",
        "flowCode": flow,
        "flowDesc": {"X": "Export", "M": "Import"}[flow],
        "partnerCode": partner,
        "partnerISO": iso,
        "partnerDesc": "",
        "partner2Code": 0,
        "partner2ISO": "W00",
        "partner2Desc": "World",
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": True,
        "cmdCode": cmd,
        "cmdDesc": desc,
        "aggrLevel": 0 if cmd == "TOTAL" else 4,
        "isLeaf": False,
        "customsCode": "C00",
        "customsDesc": "TOTAL CPC",
        "mosCode": "0",
        "motCode": 0,
        "motDesc": "TOTAL MOT",
        "qtyUnitCode": -1,
        "qtyUnitAbbr": "N/A",
        "qty": None,
        "isQtyEstimated": False,
        "altQtyUnitCode": -1,
        "altQtyUnitAbbr": "N/A",
        "altQty": None,
        "isAltQtyEstimated": False,
        "netWgt": None,
        "isNetWgtEstimated": False,
        "grossWgt": None,
        "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None,
        "fobvalue": value if flow == "X" else None,
        "primaryValue": value,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": True,
    } | fields


def comtrade(month: str, k: int) -> dict[str, object]:
    def rec(flow: str, partner: int, iso: str, cmd: str, desc: str, value: float) -> dict[str, object]:
        return comtrade_record(month, flow, partner, iso, cmd, desc, value)

    data = [
        rec("X", 0, "W00", "TOTAL", "All Commodities", 58_000_000_000.0 + k * 1e9),
        rec("M", 0, "W00", "TOTAL", "All Commodities", 52_000_000_000.0 + k * 1e9),
        rec("X", 156, "CHN", "TOTAL", "All Commodities", 11_000_000_000.0 + k * 2e8),
        rec("M", 156, "CHN", "TOTAL", "All Commodities", 12_500_000_000.0 + k * 2e8),
        rec("X", 156, "CHN", "8542", "Electronic integrated circuits", 4_200_000_000.0 + k * 1e8),
        rec("M", 156, "CHN", "8542", "Electronic integrated circuits", 2_400_000_000.0 + k * 1e8),
        rec("X", 156, "CHN", "8541", "Semiconductor devices", 610_000_000.0 + k * 1e7),
        rec("M", 156, "CHN", "8541", "Semiconductor devices", 1_350_000_000.0 + k * 1e7),
    ]
    return {"elapsedTime": "0.42 secs", "count": len(data), "data": data, "error": ""}


def kcs(month: str, k: int, refreshed: bool = False) -> str:
    """nitemtrade (hsSgn 8542, China); `refreshed`: after the mid-month refresh, memory revised up 0.6 %."""
    ym = month.replace("-", ".")
    memory = 5_000_000_000 + k * 10**8
    items = [
        ("854231", "프로세서와 컨트롤러", 900_000_000, 180_000_000),
        ("854232", "메모리", round(memory * 1.006) if refreshed else memory, 2_000_000_000),
        ("854233", "증폭기", 650_000, 5_800_000),
    ]
    body = "".join(
        f"<item><balPayments>{e - i}</balPayments><expDlr>{e}</expDlr><expWgt>{e // 40000}</expWgt><hsCd>{hs}</hsCd>"
        f"<impDlr>{i}</impDlr><impWgt>{i // 30000}</impWgt><statCd>CN</statCd><statCdCntnKor1>중국</statCdCntnKor1>"
        f"<statKor>{name}</statKor><year>{ym}</year></item>"
        for hs, name, e, i in items
    )
    total_e, total_i = sum(e for _, _, e, _ in items), sum(i for *_, i in items)
    total = (
        f"<item><balPayments>{total_e - total_i}</balPayments><expDlr>{total_e}</expDlr><expWgt>1</expWgt>"
        f"<hsCd>-</hsCd><impDlr>{total_i}</impDlr><impWgt>1</impWgt><statCd>-</statCd>"
        f"<statCdCntnKor1>-</statCdCntnKor1><statKor>-</statKor><year>총계</year></item>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>'
        f"<resultMsg>정상서비스.</resultMsg></header><body><items>{body}{total}</items></body></response>"
    )


# Korea Customs' preliminary figures: 2025-10 to 2026-11, so that November's days 1-20 have the same days
# a year earlier; on the demo's last day (2026-11-30) November has its days 1-10 and 1-20, not the month.
FLASH_MONTHS = [
    f"{y}-{m:02d}" for y, m in [(2025, 10), (2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 12)]
]
FLASH_SHARES = {  # each slot's share of the total, in the services' slot order (extractors/kr_customs_flash)
    "getPrlstMmUtPrviExpAcrs": [0.21, 0.05, 0.10, 0.07, 0.025, 0.04, 0.035, 0.025, 0.02, 0.01],
    "getPrlstMmUtPrviImpAcrs": [0.16, 0.13, 0.07, 0.06, 0.04, 0.03, 0.05, 0.03, 0.025, 0.025],
    "getCntyMmUtPrviExpAcrs": [0.19, 0.18, 0.10, 0.08, 0.045, 0.04, 0.04, 0.025, 0.03, 0.02],
    "getCntyMmUtPrviImpAcrs": [0.23, 0.11, 0.10, 0.09, 0.05, 0.05, 0.05, 0.05, 0.01, 0.02],
}


def _flash_total(service: str, month: str) -> int:
    """The whole month's total in thousands of USD, growing 0.4 million a month from October 2026."""
    k = (int(month[:4]) - 2026) * 12 + int(month[5:]) - 10
    return (58_000_000 if "Exp" in service else 53_000_000) + k * 400_000


def flash(service: str, month: str, windows: int = 3) -> str:
    """A preliminary answer for `month`: running totals for days 1-10, 1-20 and (windows=3) the month,
    in thousands of USD written as the services write them (leading space, thousands commas)."""
    k = (int(month[:4]) - 2026) * 12 + int(month[5:]) - 10
    month_total = _flash_total(service, month)
    last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    spans = [("01~10", 0.31), ("01~20", 0.63), (f"01~{last}", 1.0)][:windows]
    items = ""
    for span, part in spans:
        total = round(month_total * part)
        amounts = [total, *(round(total * share * (1 + 0.002 * k)) for share in FLASH_SHARES[service])]
        cells = "".join(f"<itemUsdAmt{i:02d}> {a:,}</itemUsdAmt{i:02d}>" for i, a in enumerate(amounts))
        items += f"<item>{cells}<priodDt>{span}</priodDt><priodMon>{month.replace('-', '')}</priodMon>"
        items += f"<priodYear>{month[:4]}</priodYear></item>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>'
        f"<resultMsg>NORMAL SERVICE.</resultMsg></header><body><items>{items}</items><numOfRows>100</numOfRows>"
        f"<pageNo>1</pageNo><totalCount>{len(spans)}</totalCount></body></response>"
    )


def write_korea_flash(root: Path) -> None:
    for month in FLASH_MONTHS:
        windows = 2 if month == FLASH_MONTHS[-1] else 3
        for service in FLASH_SHARES:
            _write(
                root / "kr_customs_flash" / f"{service}_{month.replace('-', '')}.xml",
                flash(service, month, windows),
            )


def kcs_nation(month: str, refreshed: bool = False) -> str:
    """nationtrade (all goods, China): the preliminary whole month's China figure, revised up 0.3 % in the
    final statistics, and 0.1 % more after the mid-month refresh (`refreshed`)."""
    revision = 1.004 if refreshed else 1.003
    china = {
        flow: round(_flash_total(service, month) * FLASH_SHARES[service][0] * (1 + 0.002 * k)) * 1000
        for flow, service, k in [
            ("exp", "getCntyMmUtPrviExpAcrs", (int(month[:4]) - 2026) * 12 + int(month[5:]) - 10),
            ("imp", "getCntyMmUtPrviImpAcrs", (int(month[:4]) - 2026) * 12 + int(month[5:]) - 10),
        ]
    }
    e, i = round(china["exp"] * revision), round(china["imp"] * revision)
    item = (
        f"<item><balPayments>{e - i}</balPayments><expCnt>150000</expCnt><expDlr>{e}</expDlr>"
        f"<impCnt>400000</impCnt><impDlr>{i}</impDlr><statCd>CN</statCd><statCdCntnKor1>중국</statCdCntnKor1>"
        f"<year>{month.replace('-', '.')}</year></item>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>'
        f"<resultMsg>정상서비스.</resultMsg></header><body><items>{item}</items></body></response>"
    )


MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def gacc_page(month: str, k: int) -> str:
    m = int(month[5:])
    title = f"(4) China's Total Export &amp; Import Values by Country/Region, {MONTH_NAMES[m - 1]} {month[:4]} (in USD)"
    rows = [
        ("Total", 6000.0 + k * 50, 3600.0 + k * 30, 2400.0 + k * 20),
        ("R. O. Korea", 300.0 + k, 130.0 + k, 170.0),
        ("United States (US)", 420.0, 350.0 + k, 70.0),
        ("Taiwan, China", 260.0, 70.0, 190.0 + k),
        ("European Union", 470.0 + k, 255.0 + k, 215.0),
    ]
    body = "".join(
        f"<tr><td><span>{name}</span></td><td>{ei:,.1f} </td><td>{ei * m:,.1f} </td><td>{e:,.1f} </td>"
        f"<td>{e * m:,.1f} </td><td>{i:,.1f} </td><td>{i * m:,.1f} </td><td>5.0</td><td>6.0</td><td>4.0</td></tr>"
        for name, ei, e, i in rows
    )
    return (
        f"<html><head><title>{title}</title></head><body><table>"
        f'<tr><td colspan="10"><b>{title}</b></td></tr><tr><td colspan="10"><b>Unit: USD 100 Million</b></td></tr>'
        "<tr><td>Import Source</td><td>Export &amp; Import</td><td>Export &amp; Import</td><td>Export</td>"
        '<td>Export</td><td>Import</td><td>Import</td><td colspan="3">1-to-'
        + str(m)
        + " Total Year-on-Year (±%)</td></tr>"
        f"<tr><td>Export Destination</td><td>{m}</td><td>1- to-{m}</td><td>{m}</td><td>1- to-{m}</td><td>{m}</td>"
        f"<td>1- to-{m}</td><td>Export &amp; Import</td><td>Export</td><td>Import</td></tr>{body}</table></body></html>"
    )


def gacc_index(months: list[str]) -> str:
    links = "".join(
        f"<a href=http://english.customs.gov.cn/Statics/demo-table4-usd-{m}.html> {MONTH_NAMES[int(m[5:]) - 1]}.</a>"
        for m in months
    )
    return (
        "<html><head><title>News - Newsroom - GACC</title></head><body><div>Year 2026 2025</div><table>"
        "<tr><th>Title</th><th>Month</th></tr><tr><td>(4) China's Total Export &amp; Import Values by "
        f"Country/Region (in USD)</td><td><span>Jan.</span>{links}</td></tr></table></body></html>"
    )


def census(flow: str, month: str, k: int) -> list[list[str]]:
    commodity = "E_COMMODITY" if flow == "exports" else "I_COMMODITY"
    value = "ALL_VAL_MO" if flow == "exports" else "GEN_VAL_MO"
    header = ["CTY_NAME", f"{commodity}_SDESC", "COMM_LVL", value, "time", "CTY_CODE", commodity]
    return [
        header,
        [
            "KOREA, SOUTH",
            "ELECTRONIC INTEGRATED CIRCUITS; PARTS",
            "HS4",
            str(800_000_000 + k * 10**6),
            month,
            "5800",
            "8542",
        ],
        [
            "CHINA",
            "ELECTRONIC INTEGRATED CIRCUITS; PARTS",
            "HS4",
            str(1_000_000_000 + k * 10**6),
            month,
            "5700",
            "8542",
        ],
    ]


def comext(month: str, k: int) -> str:
    """EU27 (Comext's EU27_2020) trade with Korea and China, SDMX-CSV as Comext's SDMX 2.1 service answers."""
    lines = ["DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE"]
    for partner, scale in (("KR", 1.0), ("CN", 4.0)):
        for product, share in (("TOTAL", 1.0), ("8542", 0.08)):
            for flow, side in (("1", 1.2), ("2", 1.0)):
                value = round((5_000_000_000 + k * 10**8) * scale * share * side)
                weight = round(value / 2_500, 2)  # 100 kg
                for indicator, figure in (
                    ("QUANTITY_IN_100KG", f"{weight:.2f}"),
                    ("VALUE_IN_EUROS", str(value)),
                ):
                    lines.append(
                        f"ESTAT:DS-045409(1.0),15/11/26 11:00:00,M,EU27_2020,{partner},{product},{flow},"
                        f"{indicator},{month},{figure}"
                    )
    return "\r\n".join(lines) + "\r\n"


# Demo monthly averages (units per euro), in the shape of the ECB's EXR answer: not the ECB's figures.
DEMO_PER_EURO = {"USD": 1.16, "CNY": 8.28, "KRW": 1615.0}


def exchange_rates(months: list[str]) -> str:
    """Monthly average euro reference rates as the ECB Data Portal answers `format=csvdata`."""
    lines = ["KEY,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,TITLE"]
    for currency, base in DEMO_PER_EURO.items():
        for k, month in enumerate(months):
            rate = round(base * (1 + 0.004 * k), 4)
            lines.append(
                f"EXR.M.{currency}.EUR.SP00.A,M,{currency},EUR,SP00,A,{month},{rate},A,{currency}/Euro"
            )
    return "\n".join(lines) + "\n"


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_korea(root: Path, month: str, k: int, refreshed: bool = False) -> None:
    """Korea Customs' answers for `month` with China: semiconductors (8542, by HS6 line) and all goods."""
    _write(root / "kr_customs" / f"nitemtrade_8542_CN_{month.replace('-', '')}.xml", kcs(month, k, refreshed))
    _write(root / "kr_customs" / f"nationtrade_CN_{month.replace('-', '')}.xml", kcs_nation(month, refreshed))


def write_releases(root: Path, months: list[str], history: list[str] | None = None) -> None:
    """Every source's sample releases for `months` under `root`, laid out as the replay server reads them;
    for `history` (the months before), Comtrade's and Korea Customs' only."""
    for k, month in enumerate(history or [], start=-len(history or [])):
        _write(
            root / "un_comtrade" / f"410_{month.replace('-', '')}.json",
            json.dumps(comtrade(month, k), indent=1),
        )
        write_korea(root, month, k)
    for k, month in enumerate(months):
        ym = month.replace("-", "")
        target = root / "un_comtrade" / f"410_{ym}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(comtrade(month, k), indent=1), encoding="utf-8")
        write_korea(root, month, k)
        target = root / "cn_customs" / f"demo-table4-usd-{month}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(gacc_page(month, k), encoding="utf-8")
        if month != months[-1]:  # Census publishes about five weeks after the month
            for flow in ("exports", "imports"):
                target = root / "us_census" / f"{flow}_{month}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(census(flow, month, k)), encoding="utf-8")
            target = root / "eurostat_comext" / f"EU27_2020_{month}.csv"  # Comext: mid-M+2
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(comext(month, k).encode("utf-8"))
    (root / "cn_customs" / "preliminary.html").write_text(gacc_index(months), encoding="utf-8")
    (root / "ecb_exr").mkdir(parents=True, exist_ok=True)
    (root / "ecb_exr" / "EXR_M.csv").write_text(exchange_rates(months), encoding="utf-8")


def main() -> None:
    write_releases(ROOT, MONTHS, HISTORY)
    write_korea_flash(ROOT)
    write_korea(REFRESHED, MONTHS[-1], len(MONTHS) - 1, refreshed=True)


if __name__ == "__main__":
    main()
