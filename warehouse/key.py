"""trade_flow's unique key, in its index's column order: kept apart from the models so the bulk load
does not import SQLModel and the ORM to read ten column names."""

from __future__ import annotations

from typing import Final

# In its index's column order since migration 0004 (source and month first, so the same index serves a
# reload's row hash lookup). The same columns as transforms.schema.KEY_COLUMNS.
TRADE_FLOW_KEY: Final[tuple[str, ...]] = (
    "source",
    "period",
    "period_months",
    "period_days",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "currency",
)
