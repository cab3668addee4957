"""UN Comtrade records -> canonical rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from transforms import areas
from transforms.columns import float_column, map_distinct, text_equals
from transforms.schema import contract_frame, empty_canonical

RAW_FIELDS = (
    "freqCode",
    "refYear",
    "refMonth",
    "reporterCode",
    "flowCode",
    "partnerCode",
    "partner2Code",
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


def _is_code(values: pd.Series, code: int | str) -> np.ndarray:
    """Rows holding `code`: compared as numbers in a numeric column (null never matches), as text else."""
    if isinstance(code, int) and pd.api.types.is_numeric_dtype(values):
        return np.asarray(values.to_numpy() == code)
    return text_equals(values, str(code))


def normalize_un_comtrade(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep the aggregate slice (all modes of transport, all customs procedures, no second partner).

    Works on numpy arrays, mapping each distinct period, area and code once: an answer of 100,000
    records holds a few periods, a few hundred areas and a few thousand codes.
    """
    if raw.empty:
        return empty_canonical()
    keep = raw["flowCode"].isin(FLOWS).to_numpy()
    for col, total in (("motCode", 0), ("customsCode", "C00"), ("partner2Code", 0)):
        if col in raw.columns:
            keep = keep & _is_code(raw[col], total)
    frame = raw if keep.all() else raw[keep]
    if frame.empty:
        return empty_canonical()
    (flow,) = map_distinct(frame["flowCode"], FLOWS.__getitem__)
    primary = float_column(frame["primaryValue"])
    cif, fob = float_column(frame["cifvalue"]), float_column(frame["fobvalue"])
    # One integer per (frequency, year, month): the few distinct periods are built once.
    freq_code, freqs = pd.factorize(frame["freqCode"])
    year = frame["refYear"].to_numpy(dtype=np.int64)
    month = frame["refMonth"].to_numpy(dtype=np.int64)
    period_code, period_keys = pd.factorize((freq_code * 10_000 + year) * 100 + month)
    period_of = [
        _period(str(freqs[k // 1_000_000]), (k // 100) % 10_000, k % 100) for k in period_keys.tolist()
    ]
    period_dates = np.empty(len(period_of), dtype=object)
    period_dates[:] = [p for p, _ in period_of]
    period_months = np.array([m for _, m in period_of], dtype=np.int64)
    (reporter,) = map_distinct(frame["reporterCode"], areas.from_comtrade)
    (partner,) = map_distinct(frame["partnerCode"], areas.from_comtrade)
    importing = np.isin(flow, ["import", "re_import"])
    # primaryValue is CIF when it equals cifvalue and the flow prefers CIF (imports), or FOB does not match.
    is_cif, is_fob = primary == cif, primary == fob
    valuation = np.where(
        importing, np.where(is_cif | ~is_fob, "CIF", "FOB"), np.where(is_fob | ~is_cif, "FOB", "CIF")
    ).astype(object)
    code = frame["cmdCode"].to_numpy(dtype=object)
    name = frame["cmdDesc"].to_numpy(dtype=object, copy=True)
    name[pd.isna(name)] = ""
    # A quantity counts only with a unit: Comtrade's unit code -1 (or none) means "no quantity".
    unit_code = float_column(frame["qtyUnitCode"])
    qty_known = ~np.isnan(unit_code) & (unit_code != -1)
    unit = frame["qtyUnitAbbr"].to_numpy(dtype=object, copy=True)
    unit[~qty_known | pd.isna(unit)] = None
    return contract_frame(
        {
            "source": "un_comtrade",
            "reporter": reporter,
            "partner": partner,
            "flow": flow,
            "commodity_system": np.where(code == "TOTAL", "TOTAL", "HS").astype(object),
            "commodity_code": code,
            "commodity_name": name,
            "period": period_dates[period_code],
            "period_months": period_months[period_code],
            "value": primary,
            "currency": "USD",
            "valuation": valuation,
            "net_weight_kg": float_column(frame["netWgt"]),
            "quantity": np.where(qty_known, float_column(frame["qty"]), np.nan),
            "quantity_unit": unit,
            # Comtrade publishes no provisional flag; revisions can come at any time (see README).
            "provisional": False,
        },
        len(frame),
    )
