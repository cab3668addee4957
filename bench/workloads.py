"""Reproducible workloads in the real formats, generated from a seed."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from demo.make_releases import comtrade_record
from transforms.schema import CANONICAL_COLUMNS

REPORTERS = ["KOR", "CHN", "USA", "JPN", "DEU", "VNM", "TWN", "SGP", "MYS", "IND"]


def _partners() -> list[str]:
    import pycountry

    codes = sorted(c.alpha_3 for c in pycountry.countries)
    return [*codes[:199], "WLD"]


def canonical_rows(n: int, seed: int = 42) -> pd.DataFrame:
    """n distinct figures over 10 reporters x 200 partners x 5,000 HS6 codes x 12 months x 2 flows."""
    rng = np.random.default_rng(seed)
    space = 10 * 200 * 5000 * 12 * 2
    keys = rng.choice(space, size=n, replace=False)
    keys.sort()
    reporter, rest = np.divmod(keys, 200 * 5000 * 12 * 2)
    partner, rest = np.divmod(rest, 5000 * 12 * 2)
    code, rest = np.divmod(rest, 12 * 2)
    month, flow = np.divmod(rest, 2)
    partners = np.array(_partners())
    hs6 = np.array([f"{c:06d}" for c in rng.choice(np.arange(10000, 999999), size=5000, replace=False)])
    periods = np.array([dt.date(2025, m + 1, 1) for m in range(12)], dtype=object)
    frame = pd.DataFrame(
        {
            "source": "bench",
            "reporter": np.array(REPORTERS)[reporter],
            "partner": partners[partner],
            "flow": np.where(flow == 0, "export", "import"),
            "commodity_system": "HS",
            "commodity_code": hs6[code],
            "commodity_name": "",
            "period": periods[month],
            "period_months": 1,
            "value": np.round(rng.lognormal(14, 2.5, size=n), 0),
            "currency": "USD",
            "valuation": np.where(flow == 0, "FOB", "CIF"),
            "net_weight_kg": np.round(rng.lognormal(9, 2, size=n), 0),
            "quantity": np.nan,
            "quantity_unit": None,
            "provisional": False,
        }
    )
    return frame.loc[:, list(CANONICAL_COLUMNS)]


def change_values(frame: pd.DataFrame, fraction: float, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.copy()
    idx = rng.choice(len(out), size=int(len(out) * fraction), replace=False)
    out.loc[out.index[idx], "value"] = out["value"].iloc[idx].to_numpy() + 1
    return out


def kcs_xml(items: int, seed: int = 1, months: int = 6) -> bytes:
    """A Korea Customs nitemtrade answer: `items` HS10 lines for one country over `months` months."""
    rng = np.random.default_rng(seed)
    month_names = [f"2026.{m:02d}" for m in range(1, months + 1)]
    codes = 8_500_000_000 + rng.choice(10**8, size=items // months + 1, replace=False)
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00'
        "</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items>"
    ]
    exp = rng.integers(1000, 10**9, size=items)
    imp = rng.integers(1000, 10**9, size=items)
    for i in range(items):
        e, m = int(exp[i]), int(imp[i])
        parts.append(
            f"<item><balPayments>{e - m}</balPayments><expDlr>{e}</expDlr><expWgt>{e // 3000}</expWgt>"
            f"<hsCd>{codes[i // months]}</hsCd><impDlr>{m}</impDlr><impWgt>{m // 3000}</impWgt><statCd>CN</statCd>"
            f"<statCdCntnKor1>중국</statCdCntnKor1><statKor>집적회로 부분품 그 밖의 것 {i % 97}</statKor>"
            f"<year>{month_names[i % months]}</year></item>"
        )
    parts.append(
        "<item><balPayments>1</balPayments><expDlr>1</expDlr><expWgt>1</expWgt><hsCd>-</hsCd>"
        "<impDlr>1</impDlr><impWgt>1</impWgt><statCd>-</statCd><statCdCntnKor1>-</statCdCntnKor1>"
        "<statKor>-</statKor><year>총계</year></item></items></body></response>"
    )
    return "".join(parts).encode()


def comtrade_json(records: int, seed: int = 2) -> bytes:
    """A Comtrade v1 monthly answer with `records` HS6 records (the 47 fields)."""
    rng = np.random.default_rng(seed)
    partners = [0, 156, 410, 842, 392, 276, 704, 458, 702, 158]
    codes = rng.choice(np.arange(10000, 999999), size=records // 20 + 1, replace=False)
    values = rng.lognormal(14, 2.5, size=records)
    data = []
    for i in range(records):
        flow = "X" if i % 2 == 0 else "M"
        data.append(
            comtrade_record(
                "2026-01",
                flow,
                partners[(i // 2) % 10],
                "",
                f"{codes[i // 20]:06d}",
                "",
                float(round(values[i], 2)),
                aggrLevel=6,
                isLeaf=True,
                qtyUnitCode=8,
                qtyUnitAbbr="kg",
                qty=float(i),
                netWgt=float(i),
                isAggregate=False,
            )
        )
    return json.dumps({"elapsedTime": "3.1 secs", "count": records, "data": data, "error": ""}).encode()


def median_s(work: Callable[[], object], runs: int = 5) -> float:
    """The median wall time of `runs` calls of `work`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
