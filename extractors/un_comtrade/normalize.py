"""UN Comtrade records -> canonical rows (pure pandas)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from extractors.un_comtrade.areas import area_of
from transforms.columns import float_column, map_distinct, text_equals
from transforms.schema import contract_frame, empty_canonical

FLOWS = {"X": "export", "M": "import", "RX": "re_export", "RM": "re_import"}
_VALUATIONS = np.array(["FOB", "CIF"], dtype=object)  # by whether the value is CIF
_SYSTEMS = np.array(["HS", "TOTAL"], dtype=object)  # by whether the code is TOTAL


def _period(freq: str, ref_year: int, ref_month: int) -> tuple[dt.date, int]:
    if freq == "A":
        return dt.date(int(ref_year), 1, 1), 12
    return dt.date(int(ref_year), int(ref_month), 1), 1


def _is_code(values: pd.Series, code: int | str) -> np.ndarray:
    """Rows holding `code`: compared as numbers in a numeric column (null never matches), as text else."""
    if isinstance(code, int) and pd.api.types.is_numeric_dtype(values):
        return np.asarray(values.to_numpy() == code)
    return text_equals(values, str(code))


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep the aggregate slice (all modes of transport, all customs procedures, no second partner).

    Works on numpy arrays, mapping each distinct flow, period and area once (an answer of 100,000
    records holds a few flows and periods and a few hundred areas) and comparing text in C.
    """
    if raw.empty:
        return empty_canonical()
    # One pass over the flow codes gives the rows kept, their flow and whether it is an import.
    flow_code, flow_distinct = pd.factorize(raw["flowCode"], use_na_sentinel=False)
    flow_of = np.empty(len(flow_distinct), dtype=object)
    flow_of[:] = [FLOWS.get(code) if isinstance(code, str) else None for code in flow_distinct.tolist()]
    keep = np.array([flow is not None for flow in flow_of], dtype=bool)[flow_code]
    for col, total in (("motCode", 0), ("customsCode", "C00"), ("partner2Code", 0)):
        if col in raw.columns:
            keep = keep & _is_code(raw[col], total)
    frame = raw if keep.all() else raw[keep]
    if frame.empty:
        return empty_canonical()
    if frame is not raw:
        flow_code = flow_code[keep]
    flow = flow_of[flow_code]
    importing = np.isin(flow_of, ["import", "re_import"])[flow_code]
    primary = float_column(frame["primaryValue"])
    cif, fob = float_column(frame["cifvalue"]), float_column(frame["fobvalue"])
    # One integer per (annual or not, year, month): the few distinct periods are built once.
    annual = text_equals(frame["freqCode"], "A").astype(np.int64)
    year = frame["refYear"].to_numpy(dtype=np.int64)
    month = frame["refMonth"].to_numpy(dtype=np.int64)
    period_code, period_keys = pd.factorize((annual * 10_000 + year) * 100 + month)
    period_of = [
        _period("A" if k // 1_000_000 else "M", (k // 100) % 10_000, k % 100) for k in period_keys.tolist()
    ]
    period_dates = np.empty(len(period_of), dtype=object)
    period_dates[:] = [p for p, _ in period_of]
    period_months = np.array([m for _, m in period_of], dtype=np.int64)
    (reporter,) = map_distinct(frame["reporterCode"], area_of)
    (partner,) = map_distinct(frame["partnerCode"], area_of)
    # primaryValue is CIF when it equals cifvalue and the flow prefers CIF (imports), or FOB does not match.
    is_cif, is_fob = primary == cif, primary == fob
    valuation = _VALUATIONS[np.where(importing, is_cif | ~is_fob, is_cif & ~is_fob).astype(np.intp)]
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
            "commodity_system": _SYSTEMS[(code == "TOTAL").astype(np.intp)],
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
