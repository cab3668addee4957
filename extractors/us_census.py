"""US Census Bureau international trade API: exports/hs and imports/hs (JSON).

`GET /data/timeseries/intltrade/{exports,imports}/hs?get=...&time=YYYY-MM&CTY_CODE=...&E_COMMODITY=...`,
optional `key`. The answer is a JSON array of arrays, header row first, every value a string; predicate
variables are echoed as columns.

Publisher quirks:
- as of 2026-11, HTTP 204 with an empty body means "no data for this query" (e.g. a month not yet out).
- as of 2026-11, errors are plain text bodies with HTTP 400 ("error: unknown variable ...").
- repeated predicates (`CTY_CODE=5800&CTY_CODE=5700`) are OR-ed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import ClassVar

import pandas as pd

from extractors.base import (
    HttpSession,
    ParseError,
    Payload,
    SourceConfig,
    html_page_title,
    month_pattern,
    redact_url,
)
from transforms.us_census import annual_revision_date, iso3_to_census, normalize_us_census

VALUE_FIELDS = {"exports": ("ALL_VAL_MO",), "imports": ("GEN_VAL_MO", "CON_VAL_MO")}
# General imports (all goods entering the country) or imports for consumption (entering the US market).
IMPORT_BASIS = {"general": "GEN_VAL_MO", "consumption": "CON_VAL_MO"}
COMMODITY_FIELD = {"exports": "E_COMMODITY", "imports": "I_COMMODITY"}


class UsCensus:
    source_id: ClassVar[str] = "us_census"
    payload_ext: ClassVar[str] = "json"

    def scopes(self, config: SourceConfig) -> list[str]:
        return ["exports", "imports"]

    def request(self, config: SourceConfig, period: dt.date, scope: str) -> tuple[str, list[tuple[str, str]]]:
        commodity = COMMODITY_FIELD[scope]
        value = VALUE_FIELDS[scope][0]
        if scope == "imports":
            if config.imports_basis not in IMPORT_BASIS:
                raise ValueError(
                    f"imports_basis must be one of {sorted(IMPORT_BASIS)}, not {config.imports_basis!r}"
                )
            value = IMPORT_BASIS[config.imports_basis]
        fields = ["CTY_NAME", f"{commodity}_SDESC", "COMM_LVL", value]
        params: list[tuple[str, str]] = [("get", ",".join(fields)), ("time", period.strftime("%Y-%m"))]
        params += [("CTY_CODE", iso3_to_census(p)) for p in config.partners or ("WLD",)]
        params += [(commodity, c) for c in config.commodities if c != "TOTAL"]
        if config.api_key:
            params.append(("key", config.api_key))
        return f"{config.base_url}/{scope}/hs", params

    def fetch(self, http: HttpSession, config: SourceConfig, period: dt.date, scope: str) -> list[Payload]:
        url, params = self.request(config, period, scope)
        response, body = http.get(
            url, source=self.source_id, period=period, params=params, ok_statuses=(200, 204)
        )
        return [
            Payload(
                source=self.source_id,
                content=body,
                url=redact_url(response.url or url, http.secrets),
                ext="json",
                period=period,
                scope=scope,
                status=response.status_code,
            )
        ]

    def parse(self, payload: Payload) -> pd.DataFrame:
        if payload.status == 204 or not payload.content.strip():
            return pd.DataFrame(
                columns=[
                    "flow",
                    "time",
                    "CTY_CODE",
                    "CTY_NAME",
                    "commodity",
                    "description",
                    "COMM_LVL",
                    "value",
                    "SUMMARY_LVL",
                ]
            )
        title = html_page_title(payload.content)
        if title is not None:
            raise payload.error(
                ParseError, f"not JSON: an HTML page ({title!r}) where Census JSON was expected"
            )
        try:
            doc = json.loads(payload.content)
        except (UnicodeDecodeError, json.JSONDecodeError):
            snippet = payload.content[:120].decode("utf-8", "replace")
            raise payload.error(
                ParseError, f"not JSON (starts {snippet!r}); expected an array of arrays"
            ) from None
        if (
            not isinstance(doc, list)
            or not doc
            or not all(isinstance(r, list) for r in doc)
            or not all(isinstance(h, str) for h in doc[0])
        ):
            raise payload.error(ParseError, "expected a JSON array of arrays with a header row first")
        header = doc[0]
        width = len(header)
        if any(len(r) != width for r in doc[1:]):
            raise payload.error(ParseError, "rows differ in length from the header row")
        frame = pd.DataFrame(doc[1:], columns=header)
        frame = frame.loc[:, ~frame.columns.duplicated()]
        if "E_COMMODITY" in frame.columns:
            flow, commodity = "export", "E_COMMODITY"
            value_field = "ALL_VAL_MO"
        elif "I_COMMODITY" in frame.columns:
            flow, commodity = "import", "I_COMMODITY"
            value_field = next((f for f in VALUE_FIELDS["imports"] if f in frame.columns), "GEN_VAL_MO")
        else:
            raise payload.error(ParseError, f"no E_COMMODITY or I_COMMODITY column (columns: {header})")
        missing = [c for c in ("time", "CTY_CODE", value_field) if c not in frame.columns]
        if missing:
            raise payload.error(ParseError, f"columns {missing} missing (columns: {header})")
        if not all(isinstance(v, str) or v is None for row in doc[1:] for v in row):
            raise payload.error(
                ParseError, "a value is neither a string nor null (the API sends only strings)"
            )
        bad_time = ~frame["time"].astype(str).str.fullmatch(month_pattern("-"))
        if bad_time.any():
            raise payload.error(ParseError, f"time {frame['time'][bad_time].iloc[0]!r} is not YYYY-MM")
        return pd.DataFrame(
            {
                "flow": flow,
                "time": frame["time"],
                "CTY_CODE": frame["CTY_CODE"],
                "CTY_NAME": frame.get("CTY_NAME", pd.Series([""] * len(frame))),
                "commodity": frame[commodity],
                "description": frame.get(f"{commodity}_SDESC", frame.get(f"{commodity}_LDESC", "")),
                "COMM_LVL": frame.get("COMM_LVL", ""),
                "value": frame[value_field],
                "value_field": value_field,
                "SUMMARY_LVL": frame.get("SUMMARY_LVL", ""),
                "fetched_at": payload.fetched_at,
            }
        )

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return normalize_us_census(raw)

    def fingerprint(self, payload: Payload) -> bytes:
        """The body, plus whether the month is past its annual revision (then its figures are final)."""
        period = payload.period
        final = period is not None and payload.fetched_at.date() >= annual_revision_date(period)
        return payload.content + (b"\x00final" if final else b"\x00provisional")


EXTRACTOR = UsCensus()
