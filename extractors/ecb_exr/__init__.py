"""The European Central Bank's euro reference exchange rates (dataset EXR), monthly averages, through the
ECB Data Portal's SDMX REST service, as CSV. See README.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fetching and parsing load pandas and requests: imported when first used
    import pandas as pd

    from extractors.base import Payload
    from extractors.http import HttpSession
    from transforms.months import Month


class EcbExchangeRates:
    id = "ecb_exr"
    title = "ECB euro reference exchange rates (EXR, monthly averages)"
    default_base_url = "https://data-api.ecb.europa.eu"

    def fetch_rates(
        self, http: HttpSession, base_url: str, currencies: Sequence[str], first: Month, last: Month
    ) -> Payload:
        from extractors.ecb_exr.fetch import fetch_rates

        return fetch_rates(http, base_url, currencies, first, last)

    def parse_rates(self, payload: Payload) -> pd.DataFrame:
        from extractors.ecb_exr.parse import parse_rates

        return parse_rates(payload)


RATES = EcbExchangeRates()
