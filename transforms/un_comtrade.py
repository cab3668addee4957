"""UN Comtrade records -> canonical rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from transforms import areas
from transforms.schema import coerce_canonical, empty_canonical

RAW_FIELDS = (
    "freqCode",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "flowCode",
    "partnerCode",
    "partner2Code",
    "classificationSearchCode",
    "cmdCode",
    "cmdDesc",
    "customsCode",
    "motCode",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "netWgt",
    "cifvalue",
    "fobvalue",
    "primaryValue",
)

FLOWS = {"X": "export", "M": "import", "RX": "re_export", "RM": "re_import"}


def _period(freq: str, ref_year: int, ref_month: int) -> tuple[dt.date, int]:
    if freq == "A":
        return dt.date(int(ref_year), 1, 1), 12
    return dt.date(int(ref_year), int(ref_month), 1), 1


def _valuation(flow: str, primary: float, cif: float | None, fob: float | None) -> str:
    """Which valuation primaryValue is. Imports are usually CIF, exports FOB; some reporters give both."""
    preferred = ("cif", "fob") if flow in ("import", "re_import") else ("fob", "cif")
    values = {"cif": cif, "fob": fob}
    for name in preferred:
        v = values[name]
        if v is not None and not pd.isna(v) and not pd.isna(primary) and float(v) == float(primary):
            return name.upper()
    return preferred[0].upper()


def normalize_un_comtrade(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep the aggregate slice (all modes of transport, all customs procedures, no second partner)."""
    if raw.empty:
        return empty_canonical()
    frame = raw
    for col, total in (("motCode", 0), ("customsCode", "C00"), ("partner2Code", 0)):
        if col in frame.columns:
            frame = frame[frame[col].astype(str) == str(total)]
    frame = frame[frame["flowCode"].isin(FLOWS)]
    if frame.empty:
        return empty_canonical()
    flow = frame["flowCode"].map(FLOWS)

    def numeric(column: str) -> pd.Series:
        # A value that is not a number becomes NaN here and is refused by the schema check, by name.
        return pd.to_numeric(frame[column], errors="coerce")

    primary = numeric("primaryValue")
    periods = [
        _period(f, y, m)
        for f, y, m in zip(frame["freqCode"], frame["refYear"], frame["refMonth"], strict=True)
    ]
    code = frame["cmdCode"].astype(str)
    is_total = code == "TOTAL"
    qty_known = frame["qtyUnitCode"].astype(int) != -1
    out = pd.DataFrame(
        {
            "source": "un_comtrade",
            "reporter": [areas.from_comtrade(c) for c in frame["reporterCode"]],
            "partner": [areas.from_comtrade(c) for c in frame["partnerCode"]],
            "flow": flow.to_numpy(),
            "commodity_system": np.where(is_total, "TOTAL", "HS"),
            "commodity_code": code.to_numpy(),
            "commodity_name": frame["cmdDesc"].fillna("").astype(str).to_numpy(),
            "period": [p for p, _ in periods],
            "period_months": [m for _, m in periods],
            "value": primary.to_numpy(),
            "currency": "USD",
            "valuation": [
                _valuation(f, p, c, o)
                for f, p, c, o in zip(flow, primary, numeric("cifvalue"), numeric("fobvalue"), strict=True)
            ],
            "net_weight_kg": pd.to_numeric(frame["netWgt"], errors="coerce").to_numpy(),
            "quantity": np.where(qty_known, pd.to_numeric(frame["qty"], errors="coerce"), np.nan),
            "quantity_unit": frame["qtyUnitAbbr"].astype(str).where(qty_known, None).to_numpy(),
            # Comtrade publishes no provisional flag; revisions can come at any time (see README).
            "provisional": False,
        }
    )
    return coerce_canonical(out)
