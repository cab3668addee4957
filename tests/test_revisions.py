"""The revision rule, one measure at a time: value, valuation, net weight, quantity, quantity unit and the
provisional flag each make exactly one revision when they alone change, on both databases, through both
ways a reload decides what changed:

- `fingerprints`: the usual reload, where a figure whose row fingerprint is already stored is skipped
  before any comparison (a measure missing from the fingerprint would be skipped as unchanged);
- `full comparison`: the stored figures have no fingerprint (as before migration 0004), so every figure
  is compared column by column with the stored one (a measure missing there would be lost the same way).

Korea's confirmation on the 15th changes only `provisional`: a lost revision there is a provisional
figure shown as final's opposite forever.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from tests.helpers import canonical_frame, count, release_info, table_rows
from warehouse.upsert import UpsertResult, upsert_release

# measure -> (the stored value, the revised value)
CHANGES = {
    "value": (1000.0, 1001.0),
    "valuation": ("FOB", "CIF"),
    "net_weight_kg": (5.0, 5.5),
    "quantity": (10.0, 12.0),
    "quantity_unit": ("pcs", "sets"),
    "provisional": (True, False),
}
# Where the revision row keeps the old and new measure.
REVISION_COLUMNS = {
    "value": "value",
    "valuation": "valuation",
    "net_weight_kg": "net_weight_kg",
    "quantity": "quantity",
    "quantity_unit": "quantity_unit",
    "provisional": "provisional",
}


def _frame() -> pd.DataFrame:
    frame = canonical_frame(50)
    for measure, (stored, _revised) in CHANGES.items():
        frame[measure] = stored
    frame["value"] = [1000.0 + i for i in range(len(frame))]
    return frame


def _reload_with_one_change(
    engine: Engine, revised: pd.DataFrame, path: str
) -> tuple[UpsertResult, dict[str, object]]:
    """Load the release with one figure changed, by either path; it must make exactly one revision."""
    if path == "full comparison":
        with engine.begin() as conn:
            conn.execute(text("UPDATE trade_flow SET row_hash = NULL"))
    result = upsert_release(engine, revised, release_info(b"second"))
    assert (result.state, result.inserted, result.revised) == ("loaded", 0, 1)
    (revision,) = table_rows(engine, "trade_flow_revision")
    return result, revision


@pytest.mark.parametrize("path", ["fingerprints", "full comparison"])
@pytest.mark.parametrize("measure", list(CHANGES))
def test_a_change_of_one_measure_alone_makes_one_revision(engine: Engine, measure: str, path: str) -> None:
    frame = _frame()
    upsert_release(engine, frame, release_info(b"first"))
    revised = frame.copy()
    stored, new = CHANGES[measure]
    if measure == "value":
        stored = float(frame.loc[7, "value"])
        new = stored + 1
    revised.loc[7, measure] = new
    result, revision = _reload_with_one_change(engine, revised, path)
    column = REVISION_COLUMNS[measure]
    assert (revision[f"old_{column}"], revision[f"new_{column}"]) == (stored, new)
    figures = {r["commodity_code"] + r["partner"] + r["flow"]: r for r in table_rows(engine, "trade_flow")}
    key = str(frame.loc[7, "commodity_code"]) + str(frame.loc[7, "partner"]) + str(frame.loc[7, "flow"])
    assert figures[key][measure] == new
    assert figures[key]["release_id"] == result.release_id != figures[key]["first_release_id"]
    # The same revised release again: nothing more, whichever path.
    again = upsert_release(engine, revised, release_info(b"third"))
    assert (again.state, again.revised, count(engine, "trade_flow_revision")) == ("unchanged", 0, 1)


# measure -> a value that a publisher may add later to a figure first published without it
ADDED_LATER = {"net_weight_kg": 5.5, "quantity": 12.0, "quantity_unit": "pcs"}


@pytest.mark.parametrize("path", ["fingerprints", "full comparison"])
@pytest.mark.parametrize("direction", ["published later", "withdrawn"])
@pytest.mark.parametrize("measure", list(ADDED_LATER))
def test_a_measure_going_from_null_to_a_value_or_back_makes_one_revision(
    engine: Engine, measure: str, direction: str, path: str
) -> None:
    """A net weight published a month after the value (or withdrawn): NULL on one side. On SQLite `<>`
    with a NULL is never true, so the change test must be `IS NOT` (PostgreSQL: IS DISTINCT FROM)."""
    frame = _frame()
    present = ADDED_LATER[measure]
    if measure == "quantity_unit":
        frame["quantity"] = 12.0
    before, after = (None, present) if direction == "published later" else (present, None)
    frame[measure] = before
    upsert_release(engine, frame, release_info(b"first"))
    revised = frame.copy()
    revised[measure] = revised[measure].astype(object)
    revised.at[7, measure] = after
    _result, revision = _reload_with_one_change(engine, revised, path)
    assert (revision[f"old_{measure}"], revision[f"new_{measure}"]) == (before, after)
    again = upsert_release(engine, revised, release_info(b"third"))
    assert (again.state, again.revised, count(engine, "trade_flow_revision")) == ("unchanged", 0, 1)
