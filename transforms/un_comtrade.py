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
    # Periods and areas repeat across a whole answer: map each distinct value once.
    period_key = (
        frame["freqCode"].astype(str) + frame["refYear"].astype(str) + "-" + frame["refMonth"].astype(str)
    )
    key_code, keys = pd.factorize(period_key)
    first = pd.Series(np.arange(len(frame))).groupby(key_code).first().to_numpy()
    period_of = [
        _period(f, y, m)
        for f, y, m in zip(
            frame["freqCode"].to_numpy()[first],
            frame["refYear"].to_numpy()[first],
            frame["refMonth"].to_numpy()[first],
            strict=True,
        )
    ]
    period_dates = np.empty(len(keys), dtype=object)
    period_dates[:] = [p for p, _ in period_of]
    period_months = np.array([m for _, m in period_of], dtype=np.int64)
    area_of = {
        c: areas.from_comtrade(c) for c in pd.unique(pd.concat([frame["reporterCode"], frame["partnerCode"]]))
    }
    cif, fob = numeric("cifvalue"), numeric("fobvalue")
    importing = flow.isin(["import", "re_import"]).to_numpy()
    # primaryValue is CIF when it equals cifvalue and the flow prefers CIF (imports), or FOB does not match.
    is_cif = (primary == cif).to_numpy()
    is_fob = (primary == fob).to_numpy()
    valuation = np.where(
        importing, np.where(is_cif | ~is_fob, "CIF", "FOB"), np.where(is_fob | ~is_cif, "FOB", "CIF")
    )
    code = frame["cmdCode"].astype(str)
    is_total = code == "TOTAL"
    qty_known = (pd.to_numeric(frame["qtyUnitCode"], errors="coerce").fillna(-1) != -1).to_numpy()
    out = pd.DataFrame(
        {
            "source": "un_comtrade",
            "reporter": frame["reporterCode"].map(area_of).to_numpy(),
            "partner": frame["partnerCode"].map(area_of).to_numpy(),
            "flow": flow.to_numpy(),
            "commodity_system": np.where(is_total, "TOTAL", "HS"),
            "commodity_code": code.to_numpy(),
            "commodity_name": frame["cmdDesc"].fillna("").astype(str).to_numpy(),
            "period": period_dates[key_code],
            "period_months": period_months[key_code],
            "value": primary.to_numpy(),
            "currency": "USD",
            "valuation": valuation,
            "net_weight_kg": pd.to_numeric(frame["netWgt"], errors="coerce").to_numpy(),
            "quantity": np.where(qty_known, pd.to_numeric(frame["qty"], errors="coerce"), np.nan),
            "quantity_unit": frame["qtyUnitAbbr"].astype(str).where(qty_known, None).to_numpy(),
            # Comtrade publishes no provisional flag; revisions can come at any time (see README).
            "provisional": False,
        }
    )
    return coerce_canonical(out)
