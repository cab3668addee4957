"""The exchange-rate contract: what turns a figure published in euros (or yuan, or won) into US dollars.

Trade publishers each publish in their own currency; comparing one's exports with another's imports (the
`mirror_flows` view) needs both in one. A rate source is a package like a publisher's (its facts in
`extractors/<id>/`), registered under the entry-point group `tradeflow.rates`, exposing an object that
satisfies `RateSource`:
- `fetch_rates` asks for monthly average rates of some currencies over a range of months (one payload);
- `parse_rates` turns that payload into rows `currency, period, usd_per_unit` (what one unit of the
  currency was worth in US dollars, on average over the month starting at `period`).
Like a publisher it never touches the database and never reads the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from extractors import load_registered, registered
from extractors.errors import ParseError

if TYPE_CHECKING:
    import pandas as pd

    from extractors.base import Payload
    from extractors.http import HttpSession
    from transforms.months import Month

ENTRY_POINT_GROUP = "tradeflow.rates"


@runtime_checkable
class RateSource(Protocol):
    """One publisher of exchange rates."""

    id: str
    title: str
    default_base_url: str

    def fetch_rates(
        self, http: HttpSession, base_url: str, currencies: Sequence[str], first: Month, last: Month
    ) -> Payload:
        """Monthly average rates of `currencies` (ISO 4217, never USD) for `first`..`last`, one payload.
        Raises NotPublished when the source has none of those months yet."""
        ...

    def parse_rates(self, payload: Payload) -> pd.DataFrame:
        """Rows `currency, period (date, first of the month), usd_per_unit (float > 0)`. ParseError if
        the payload is not in the source's layout."""
        ...


# US dollars per unit that a real currency can be worth: the Turkish lira before 2005 was about 7e-7, the
# Kuwaiti dinar is about 3.3. A rate outside (1e-320 crossed into infinity) is a broken answer, not a rate.
PLAUSIBLE_USD_PER_UNIT = (1e-8, 1e4)


def check_rates(payload: Payload, rates: pd.DataFrame) -> pd.DataFrame:
    """The parsed rates, if every one is a finite number in the plausible range; else the answer is a
    ParseError naming the first bad currency and month (nothing of it is stored)."""
    import numpy as np

    low, high = PLAUSIBLE_USD_PER_UNIT
    values = rates["usd_per_unit"].astype(float)
    bad = ~(np.isfinite(values) & values.between(low, high))
    if bad.any():
        first = rates[bad].iloc[0]
        raise payload.error(
            ParseError,
            f"{first['currency']} {first['period']:%Y-%m}: {float(first['usd_per_unit'])!r} US dollars per unit is "
            f"not a plausible rate (expected {low:g} to {high:g})",
        )
    return rates


def rate_source_ids() -> list[str]:
    """Every registered rate source's id, sorted; nothing is imported."""
    return list(registered(ENTRY_POINT_GROUP))


@cache
def get_rate_source(source: str) -> RateSource:
    rates: RateSource = load_registered(
        registered(ENTRY_POINT_GROUP), source, RateSource, "exchange-rate source", "extractors/rates.py"
    )
    return rates
