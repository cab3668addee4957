"""UN Comtrade API v1: monthly goods trade by HS, JSON.

Keyless preview `/public/v1/preview/C/M/HS` by default; the keyed `/data/v1/get/C/M/HS` (header
`Ocp-Apim-Subscription-Key`) when a key is configured. One period per call.

Publisher quirks:
- as of 2026-11, the preview endpoint silently truncates at 500 records (the keyed one at `maxRecords`):
  a full answer is split (by flow, then commodity, then partner) until no part is full.
- as of 2026-11, every answer carries a fresh `elapsedTime`, so identical data never has an identical body.
- errors come either as `{"error": "..."}` beside the data or as a gateway body `{"statusCode", "message"}`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

import pandas as pd

from extractors.base import (
    HttpSession,
    ParseError,
    Payload,
    PermanentFetchError,
    PublisherError,
    SourceConfig,
    html_page_title,
    redact_url,
)
from transforms import areas
from transforms.un_comtrade import RAW_FIELDS, normalize_un_comtrade

PREVIEW_LIMIT = 500
KEYED_LIMIT = 250_000
FLOW_CODES = ("M", "X", "RM", "RX")


def _query(
    reporter: str, period: dt.date, partners: list[str], commodities: list[str], flows: list[str], keyed: bool
) -> dict[str, str]:
    params = {
        "reporterCode": reporter,
        "period": period.strftime("%Y%m"),
        "partnerCode": ",".join(partners),
        "partner2Code": "0",
        "cmdCode": ",".join(commodities),
        "flowCode": ",".join(flows),
        "customsCode": "C00",
        "motCode": "0",
        "includeDesc": "true",
    }
    if keyed:
        params["maxRecords"] = str(KEYED_LIMIT)
    return params


class UnComtrade:
    source_id: ClassVar[str] = "un_comtrade"
    payload_ext: ClassVar[str] = "json"

    def scopes(self, config: SourceConfig) -> list[str]:
        return [f"reporter={r}" for r in config.reporters]

    def fetch(self, http: HttpSession, config: SourceConfig, period: dt.date, scope: str) -> list[Payload]:
        reporter_area = scope.removeprefix("reporter=")
        keyed = bool(config.api_key)
        path = "/data/v1/get/C/M/HS" if keyed else "/public/v1/preview/C/M/HS"
        headers = {"Ocp-Apim-Subscription-Key": config.api_key} if keyed and config.api_key else {}
        limit = KEYED_LIMIT if keyed else PREVIEW_LIMIT
        partners = [areas.to_comtrade(p) for p in (config.partners or ("WLD",))]
        commodities = list(config.commodities or ("TOTAL",))
        payloads: list[Payload] = []
        self._fetch_split(
            http,
            config.base_url + path,
            headers,
            period,
            scope,
            limit,
            payloads,
            reporter=areas.to_comtrade(reporter_area),
            partners=partners,
            commodities=commodities,
            flows=list(FLOW_CODES),
            keyed=keyed,
        )
        return payloads

    def _fetch_split(
        self,
        http: HttpSession,
        url: str,
        headers: dict[str, str],
        period: dt.date,
        scope: str,
        limit: int,
        out: list[Payload],
        *,
        reporter: str,
        partners: list[str],
        commodities: list[str],
        flows: list[str],
        keyed: bool,
    ) -> None:
        params = _query(reporter, period, partners, commodities, flows, keyed)
        response, body = http.get(url, source=self.source_id, period=period, params=params, headers=headers)
        payload = Payload(
            source=self.source_id,
            content=body,
            url=redact_url(response.url or url, http.secrets),
            ext="json",
            period=period,
            scope=scope,
        )
        count = len(_records(payload))
        if count < limit:
            out.append(payload)
            return
        # Full answer = truncated answer: split along the first dimension that still has several values.
        for name, values in (("flows", flows), ("commodities", commodities), ("partners", partners)):
            if len(values) > 1:
                for value in values:
                    parts = {"flows": flows, "commodities": commodities, "partners": partners}
                    parts[name] = [value]
                    self._fetch_split(
                        http, url, headers, period, scope, limit, out, reporter=reporter, keyed=keyed, **parts
                    )
                return
        raise PermanentFetchError(
            f"answer holds {count} records, the endpoint's limit, and cannot be split further: refusing a "
            "possibly truncated set",
            source=self.source_id,
            period=period,
            url=payload.url,
        )

    def parse(self, payload: Payload) -> pd.DataFrame:
        records = _records(payload)
        if not records:
            return pd.DataFrame(columns=list(RAW_FIELDS))
        for index, record in enumerate(records):
            problem = _record_problem(record)
            if problem:
                raise payload.error(ParseError, f"record {index}: {problem}; expected Comtrade v1 records")
        frame = pd.DataFrame.from_records(records, columns=list(RAW_FIELDS))
        frame["cmdCode"] = frame["cmdCode"].astype(str)
        return frame

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return normalize_un_comtrade(raw)

    def fingerprint(self, payload: Payload) -> bytes:
        """The answer without `elapsedTime`, which changes on every call for the same data."""
        try:
            doc = json.loads(payload.content)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return payload.content
        if isinstance(doc, dict):
            doc.pop("elapsedTime", None)
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


_INT = (int,)
_NUMBER = (int, float)
# The fields tradeflow reads, with the JSON types the data dictionary gives them (None: may be null).
FIELD_TYPES: dict[str, tuple[tuple[type, ...], bool]] = {
    "freqCode": ((str,), False),
    "refYear": (_INT, False),
    "refMonth": (_INT, False),
    "period": ((str, int), False),
    "reporterCode": (_INT, False),
    "flowCode": ((str,), False),
    "partnerCode": (_INT, False),
    "partner2Code": (_INT, True),
    "classificationSearchCode": ((str,), True),
    "cmdCode": ((str, int), False),
    "cmdDesc": ((str,), True),
    "customsCode": ((str,), True),
    "motCode": (_INT, True),
    "qtyUnitCode": (_INT, True),
    "qtyUnitAbbr": ((str,), True),
    "qty": (_NUMBER, True),
    "netWgt": (_NUMBER, True),
    "cifvalue": (_NUMBER, True),
    "fobvalue": (_NUMBER, True),
    "primaryValue": (_NUMBER, True),
}


def _record_problem(record: dict[str, Any]) -> str | None:
    """What is wrong with one record, if anything (a missing field or a value of the wrong type)."""
    for name, (types, nullable) in FIELD_TYPES.items():
        if name not in record:
            return f"no field {name!r}"
        value = record[name]
        if value is None and nullable:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            return f"{name} = {value!r} is not {'/'.join(t.__name__ for t in types)}"
    if record["freqCode"] not in ("M", "A", "Q"):
        return f"freqCode {record['freqCode']!r} is not M, A or Q"
    if not 1000 <= record["refYear"] <= 9999 or record["refMonth"] not in (*range(1, 13), 52):
        return f"refYear {record['refYear']} / refMonth {record['refMonth']} is not a period"
    return None


def _records(payload: Payload) -> list[dict[str, Any]]:
    """The `data` records of a Comtrade answer, after checking it is one."""
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(
            ParseError, f"not JSON: an HTML page ({title!r}) where a Comtrade answer was expected"
        )
    try:
        doc = json.loads(payload.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise payload.error(
            ParseError,
            f"not JSON ({exc.__class__.__name__}: {exc}); expected a Comtrade "
            "v1 answer {count, data, error}",
        ) from None
    if not isinstance(doc, dict):
        raise payload.error(ParseError, "expected a JSON object {count, data, error}")
    if "statusCode" in doc and "data" not in doc:
        raise payload.error(
            PublisherError,
            f"gateway error {doc.get('statusCode')}: {doc.get('message', '')}",
            code=str(doc.get("statusCode")),
        )
    error = doc.get("error")
    if error:
        raise payload.error(PublisherError, f"Comtrade error: {error}", code="error")
    data = doc.get("data")
    if not isinstance(data, list) or any(not isinstance(r, dict) for r in data):
        raise payload.error(ParseError, "`data` is missing or not a list of records")
    return data


EXTRACTOR = UnComtrade()
