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
from itertools import chain
from operator import attrgetter
from typing import Any, ClassVar

import msgspec
import numpy as np
import pandas as pd

from extractors.base import (
    HttpSession,
    ParseError,
    Payload,
    PermanentFetchError,
    PublisherError,
    SourceConfig,
    TradeflowError,
    html_page_title,
    redact_url,
)
from transforms import areas
from transforms.columns import map_distinct, object_frame
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
        count = len(_decode(payload, _Count).data or [])
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
        records = _decode(payload, _Answer).data or []
        if not records:
            return pd.DataFrame(columns=list(RAW_FIELDS))
        try:
            columns = _columns(records)
        except OverflowError as exc:
            raise payload.error(
                ParseError, f"a code beyond 64 bits ({exc}); expected Comtrade v1 records"
            ) from None
        freq, year, month = columns["freqCode"], columns["refYear"], columns["refMonth"]
        # As of 2026-11, goods data comes monthly (refMonth 1-12) or annual (refMonth 52). Comtrade's
        # frequency list also has Q (quarterly), which no goods answer carries: a figure of unknown span
        # must not be stored as a month, so it is refused with the answer, as is a month 52 in monthly data.
        monthly = freq == "M"  # compared in C; np.isin sorts objects
        bad_freq = ~(monthly | (freq == "A"))
        bad_period = (
            (year < 1000) | (year > 9999) | ~np.isin(month, [*range(1, 13), 52]) | (monthly & (month == 52))
        )
        if bad_freq.any() or bad_period.any():
            index = int(np.flatnonzero(bad_freq | bad_period)[0])
            problem = (
                f"freqCode {freq[index]!r} is not M or A"
                if bad_freq[index]
                else f"refYear {year[index]} / refMonth {month[index]} is not a period"
            )
            raise payload.error(ParseError, f"record {index}: {problem}; expected Comtrade v1 records")
        if pd.api.types.infer_dtype(columns["cmdCode"], skipna=False) != "string":
            (columns["cmdCode"],) = map_distinct(columns["cmdCode"], str)  # codes are text: "TOTAL", "8542"
        return object_frame(columns, len(records))

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return normalize_un_comtrade(raw)

    def fingerprint(self, payload: Payload) -> bytes:
        """The answer without `elapsedTime`, which changes on every call for the same data."""
        try:
            doc = msgspec.json.decode(payload.content)
        except msgspec.DecodeError:
            return payload.content
        if isinstance(doc, dict):
            doc.pop("elapsedTime", None)
        return msgspec.json.encode(doc, order="sorted")


class _Record(msgspec.Struct, gc=False, rename="camel"):
    """The fields tradeflow reads, typed as the data dictionary gives them (`| None`: may be null).

    msgspec checks every record against these types while decoding, in C: the same checks written as a
    Python loop over 100,000 records took longer than the decoding itself. Other fields are skipped.
    """

    freq_code: str
    ref_year: int
    ref_month: int
    reporter_code: int
    flow_code: str
    partner_code: int
    partner2_code: int | None
    cmd_code: str | int
    cmd_desc: str | None
    customs_code: str | None
    mot_code: int | None
    qty_unit_code: int | None
    qty_unit_abbr: str | None
    qty: float | None
    net_wgt: float | None
    cifvalue: float | None
    fobvalue: float | None
    primary_value: float | None


class _Envelope(msgspec.Struct, rename="camel"):
    """What says an answer is an error: Comtrade's `error` beside the data, or the gateway's body."""

    error: Any = None
    status_code: Any = None
    message: Any = None


class _Answer(_Envelope):
    data: list[_Record] | None = None


class _Count(_Envelope):
    """Only the number of records (the fetch's truncation check), each left undecoded."""

    data: list[msgspec.Raw] | None = None


def _decode(payload: Payload, shape: type[_Answer] | type[_Count]) -> Any:
    """The answer decoded as `shape`, after checking it is a Comtrade answer and not an error."""
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(
            ParseError, f"not JSON: an HTML page ({title!r}) where a Comtrade answer was expected"
        )
    try:
        answer = msgspec.json.decode(payload.content, type=shape)
    except msgspec.ValidationError as exc:
        invalid = exc  # an error answer may have no valid data; look at it untyped before blaming a record
    except msgspec.DecodeError as exc:
        raise _not_json(payload, exc) from None
    else:
        _raise_publisher_error(payload, answer.status_code, answer.message, answer.data, answer.error)
        return answer
    try:
        doc = msgspec.json.decode(payload.content)
    except msgspec.DecodeError as exc:  # a type error met before the syntax error further on
        raise _not_json(payload, exc) from None
    if not isinstance(doc, dict):
        raise payload.error(ParseError, "expected a JSON object {count, data, error}")
    _raise_publisher_error(
        payload, doc.get("statusCode"), doc.get("message", ""), doc.get("data"), doc.get("error")
    )
    where = str(invalid).rpartition(" - at `$.data")[2].split("]", 1)
    if len(where) == 2 and where[0].startswith("["):
        record = where[0].strip("[")
        raise payload.error(ParseError, f"record {record}: {invalid}; expected Comtrade v1 records")
    raise payload.error(ParseError, f"`data` is missing or not a list of records ({invalid})")


_ATTRIBUTE = {f.encode_name: f.name for f in msgspec.structs.fields(_Record)}  # refYear -> ref_year
_INTEGERS = ("refYear", "refMonth", "reporterCode", "partnerCode")
_NUMBERS = ("qty", "netWgt", "cifvalue", "fobvalue", "primaryValue")
_NULLABLE_CODES = ("partner2Code", "motCode", "qtyUnitCode")  # float64, null as NaN: exact below 2**53
_FLOATS = (*_NUMBERS, *_NULLABLE_CODES)


def _columns(records: list[_Record]) -> dict[str, np.ndarray]:
    """Each field of every record as an array, in RAW_FIELDS order: int64 for required integers,
    float64 (null as NaN) for numbers and nullable codes, objects for text. The float64 ones are taken
    all together, a tuple per record, faster than one pass each."""
    count = len(records)
    taken = chain.from_iterable(map(attrgetter(*(_ATTRIBUTE[n] for n in _FLOATS)), records))
    # object -> float64 turns None into NaN in C; numpy's own parsing of a list of tuples is 1.6x slower.
    floats = np.fromiter(taken, dtype=object, count=count * len(_FLOATS)).astype(np.float64)
    floats = floats.reshape(count, len(_FLOATS))
    columns: dict[str, np.ndarray] = {}
    for name in RAW_FIELDS:
        if name in _FLOATS:
            columns[name] = np.ascontiguousarray(floats[:, _FLOATS.index(name)])
            continue
        values = map(attrgetter(_ATTRIBUTE[name]), records)
        dtype = np.int64 if name in _INTEGERS else object
        columns[name] = np.fromiter(values, dtype=dtype, count=count)
    return columns


def _not_json(payload: Payload, exc: Exception) -> TradeflowError:
    return payload.error(
        ParseError, f"not JSON ({exc}); expected a Comtrade v1 answer {{count, data, error}}"
    )


def _raise_publisher_error(payload: Payload, status: Any, message: Any, data: Any, error: Any) -> None:
    if status is not None and data is None:
        raise payload.error(PublisherError, f"gateway error {status}: {message or ''}", code=str(status))
    if error:
        raise payload.error(PublisherError, f"Comtrade error: {error}", code="error")


EXTRACTOR = UnComtrade()
