"""Raw preliminary rows -> canonical rows (pure pandas).

By partner: the total (all goods, the world) and ten partners, all goods. By item: ten of Korea Customs'
own product groups (commodity system KCS), the world; their total is the by-partner table's and is stored
from there alone. Exports FOB, imports CIF, in US dollars; every figure provisional (preliminary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from extractors.kr_customs_flash.slots import ITEM_NAMES, SLOTS
from transforms.schema import contract_frame, empty_canonical

VALUATION = {"export": "FOB", "import": "CIF"}


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        return empty_canonical()
    by_item = (raw["table"] == "items").to_numpy()
    keep = ~(by_item & (raw["slot"] == 0).to_numpy())  # the by-item total: the by-partner one is stored
    rows = raw[keep]
    by_item = by_item[keep]
    slot = rows["slot"].to_numpy(dtype=int)
    names = [
        "TOTAL" if s == 0 else SLOTS[(table, flow)][s - 1]
        for table, flow, s in zip(rows["table"], rows["flow"], slot, strict=True)
    ]
    code = np.array(names, dtype=object)
    partner = np.where(by_item | (slot == 0), "WLD", code)
    commodity = np.where(by_item, code, "TOTAL")
    return contract_frame(
        {
            "source": "kr_customs_flash",
            "reporter": "KOR",
            "partner": partner,
            "flow": rows["flow"].to_numpy(dtype=object),
            "commodity_system": np.where(by_item, "KCS", "TOTAL"),
            "commodity_code": commodity,
            "commodity_name": np.array([ITEM_NAMES.get(c, "") for c in commodity], dtype=object),
            "period": rows["period"].to_numpy(dtype=object),
            "period_months": 1,
            "period_days": rows["period_days"].to_numpy(dtype="int64"),
            "value": rows["thousand_usd"].to_numpy(dtype=float) * 1000.0,
            "currency": "USD",
            "valuation": rows["flow"].map(VALUATION).to_numpy(dtype=object),
            "provisional": True,
        },
        len(rows),
    )
