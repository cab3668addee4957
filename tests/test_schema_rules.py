"""The commodity code rules of the data contract, one system at a time (transforms/schema.py)."""

from __future__ import annotations

import pytest

from tests.helpers import canonical_frame
from transforms.schema import SchemaError, validate_canonical


def _with_code(system: str, code: str) -> None:
    frame = canonical_frame(3)
    frame.loc[1, "commodity_system"] = system
    frame.loc[1, "commodity_code"] = code
    validate_canonical(frame)


@pytest.mark.parametrize("code", ["85", "8542", "854232", "85423200", "8542320000", "01", "0101"])
def test_hs_codes_of_whole_levels_are_accepted(code: str) -> None:
    _with_code("HS", code)


@pytest.mark.parametrize(
    "code", ["8", "854", "85423", "8542320", "854232000", "85423200001", "85.42", "85a2"]
)
def test_hs_codes_of_odd_length_or_not_digits_are_refused(code: str) -> None:
    """HS has chapters (2), headings (4), subheadings (6) and national lines (8, 10): an odd length is a
    digit lost or added, and would never match a figure of the same line."""
    with pytest.raises(SchemaError, match="HS code must be 2, 4, 6, 8 or 10 digits"):
        _with_code("HS", code)


@pytest.mark.parametrize(
    ("system", "code", "ok"),
    [
        ("CN8", "85423190", True),
        ("CN8", "8542319", False),
        ("HSK", "8542321010", True),
        ("HSK", "85423210x0", False),
        ("TOTAL", "TOTAL", True),
        ("TOTAL", "8542", False),
        ("GACC", "electronic_integrated_circuits", True),
        ("GACC", "Electronic ICs", False),
    ],
)
def test_each_systems_code_shape(system: str, code: str, ok: bool) -> None:
    if ok:
        _with_code(system, code)
    else:
        with pytest.raises(SchemaError, match="commodity_code"):
            _with_code(system, code)
