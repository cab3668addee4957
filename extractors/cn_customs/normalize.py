"""GACC preliminary release tables -> canonical rows (pure pandas).

Which columns become figures:
- the month column: the month itself (`period_months` 1);
- the cumulative column "1-to-N": a figure covering January to N (`period` January, `period_months` N). For
  the combined January-February release this is the only published figure that covers January;
- year-on-year percentages and the previous year's cumulative column stay in the raw rows only;
- "Export & Import" (table 4) is exports plus imports and stays in the raw rows only (no such flow).
Figures are published rounded to 0.1 of the unit ("CNY 100 Million"), so values are exact decimals times the
unit, computed in Decimal to avoid float noise.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Final

import pandas as pd

from extractors.cn_customs.areas import area_of
from transforms.schema import coerce_canonical, empty_canonical

# Renamed commodity lines keep one code (as of 2026-03: "Integrated circuits" became
# "Electronic integrated circuits").
COMMODITY_ALIASES: Final[dict[str, str]] = {
    "integrated_circuits": "electronic_integrated_circuits",
    "automatic_data_processing_machines_and_components": "automatic_data_processing_machines_and_parts_thereof",
    "mobile_telephones": "mobile_phones",
    "motor_vehicles_including_chassis": "motor_vehicles_including_chassis_fitted_with_engines",
}

_UNIT_WORDS: Final[dict[str, int]] = {
    "thousand": 10**3,
    "million": 10**6,
    "hundred million": 10**8,
    "billion": 10**9,
}
_BASE_UNITS: Final[dict[str, str]] = {
    "ton": "t",
    "tons": "t",
    "tonnes": "t",
    "tonne": "t",
    "kg": "kg",
    "kilograms": "kg",
    "pcs": "pcs",
    "pieces": "pcs",
    "piece": "pcs",
    "sets": "sets",
    "set": "sets",
    "pairs": "pairs",
    "pair": "pairs",
    "autos": "vehicles",
    "auto": "vehicles",
    "vehicles": "vehicles",
    "ship": "ships",
    "ships": "ships",
    "units": "units",
    "unit": "units",
    "heads": "heads",
    "head": "heads",
    "cubic meters": "m3",
    "square meters": "m2",
}
_NOT_PUBLISHED = frozenset({"", "-", "—", "–", "/", "…"})


def commodity_slug(name: str) -> str:
    """A stable code for a named commodity line, whatever its bracket style, width or footnote marks."""
    text = unicodedata.normalize("NFKC", name).lower().replace("*", " ")
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return COMMODITY_ALIASES.get(slug, slug)


def clean_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).replace("*", " ")
    return " ".join(text.split())


def quantity_unit(text: str) -> tuple[int, str] | None:
    """'10,000 Tons' -> (10000, 't'); '100 Million PCS' -> (100000000, 'pcs'); '-' -> None."""
    t = " ".join(unicodedata.normalize("NFKC", text).split())
    if t in _NOT_PUBLISHED:
        return None
    m = re.fullmatch(r"([\d,]+)?\s*(hundred million|million|thousand|billion)?\s*(.+)", t, re.IGNORECASE)
    if not m:
        return None
    number = int((m.group(1) or "1").replace(",", "")) * _UNIT_WORDS.get((m.group(2) or "").lower(), 1)
    base = m.group(3).strip().lower()
    return number, _BASE_UNITS.get(base, base)


def _decimal(figure: str) -> Decimal | None:
    text = figure.replace(",", "").replace(" ", "")
    if text in _NOT_PUBLISHED:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        return empty_canonical()
    keep = raw[
        raw["kind"].isin(["month", "ytd"])
        & raw["flow"].isin(["export", "import"])
        & raw["measure"].isin(["value", "quantity"])
    ]
    # A "1-to-1" cumulative column is the January month column again.
    keep = keep[~((keep["kind"] == "ytd") & (keep["months"].astype(int) == 1))]
    records: dict[tuple[str, str, str, int], dict[str, object]] = {}
    for row in keep.itertuples(index=False):
        number = _decimal(str(row.figure))
        year, months = int(str(row.year)), int(str(row.months))
        period = dt.date(year, months, 1) if row.kind == "month" else dt.date(year, 1, 1)
        period_months = 1 if row.kind == "month" else months
        key = (str(row.label), str(row.flow), str(row.kind), period_months)
        rec = records.setdefault(
            key,
            {
                "table": str(row.table),
                "label": str(row.label),
                "flow": row.flow,
                "period": period,
                "period_months": period_months,
                "currency": row.currency,
                "unit_multiplier": int(str(row.unit_multiplier)),
                "quantity_unit": str(row.quantity_unit),
                "value": None,
                "quantity": None,
            },
        )
        rec[str(row.measure)] = number
    out = []
    for rec in records.values():
        value = rec["value"]
        if value is None:
            continue  # nothing published for this line and period ("-")
        assert isinstance(value, Decimal)
        table = rec["table"]
        if table == "4":
            partner = area_of(str(rec["label"]))
            system, code, name = "TOTAL", "TOTAL", ""
        else:
            partner = "WLD"
            system, code, name = "GACC", commodity_slug(str(rec["label"])), clean_name(str(rec["label"]))
        qty: float | None = None
        qty_unit: str | None = None
        weight: float | None = None
        unit = quantity_unit(str(rec["quantity_unit"]))
        raw_qty = rec["quantity"]
        if unit is not None and isinstance(raw_qty, Decimal):
            scaled = raw_qty * unit[0]
            qty, qty_unit = float(scaled), unit[1]
            if qty_unit == "t":
                weight = float(scaled * 1000)
            elif qty_unit == "kg":
                weight = float(scaled)
        out.append(
            {
                "source": "cn_customs",
                "reporter": "CHN",
                "partner": partner,
                "flow": rec["flow"],
                "commodity_system": system,
                "commodity_code": code,
                "commodity_name": name,
                "period": rec["period"],
                "period_months": rec["period_months"],
                "value": float(value * int(str(rec["unit_multiplier"]))),
                "currency": rec["currency"],
                "valuation": "FOB" if rec["flow"] == "export" else "CIF",
                "net_weight_kg": weight,
                "quantity": qty,
                "quantity_unit": qty_unit,
                # Preliminary release: "the monthly bulletin is of more accuracy" (GACC, as of 2026-04).
                "provisional": True,
            }
        )
    if not out:
        return empty_canonical()
    return coerce_canonical(pd.DataFrame(out))
