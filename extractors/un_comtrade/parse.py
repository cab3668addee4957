"""UN Comtrade v1 answers (JSON) -> raw rows, decoded by msgspec against the fields tradeflow reads.

As of 2026-11: errors come either as `{"error": "..."}` beside the data or as a gateway body
`{"statusCode", "message"}`; every answer carries a fresh `elapsedTime`, so identical data never has an
identical body (`payload_digest` leaves it out).
"""

from __future__ import annotations

from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from extractors.base import Payload
from extractors.errors import ParseError, PublisherError, TradeflowError
from extractors.http import html_page_title
from extractors.un_comtrade.areas import area_of
from extractors.un_comtrade.scopes import ReporterScope
from transforms.columns import map_distinct, object_frame

RAW_FIELDS = (
    "freqCode",
    "refYear",
    "refMonth",
    "reporterCode",
    "flowCode",
    "partnerCode",
    "partner2Code",
    "cmdCode",
    "cmdDesc",
    "customsCode",
    "motCode",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "netWgt",
    "cifvalue",
    "fobvalue",
    "primaryValue",
)


def count_records(payload: Payload) -> int:
    """How many records the answer holds (the fetch's truncation check), each left undecoded."""
    return len(_decode(payload, _Count).data or [])


def parse_answer(payload: Payload) -> pd.DataFrame:
    """The answer's records as raw rows (RAW_FIELDS), each field an array of its type."""
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
    _check_reporter(payload, columns["reporterCode"])
    if pd.api.types.infer_dtype(columns["cmdCode"], skipna=False) != "string":
        (columns["cmdCode"],) = map_distinct(columns["cmdCode"], str)  # codes are text: "TOTAL", "8542"
    return object_frame(columns, len(records))


def _check_reporter(payload: Payload, codes: np.ndarray) -> None:
    """A fetched answer holds the one reporter its call asked for: records of another would be stored
    under a release that never asked for them. A local file (no scope) may hold any reporter."""
    if not payload.scope:
        return
    asked = ReporterScope.parse(payload.scope).reporter
    for code in np.unique(codes):
        if area_of(int(code)) != asked:
            raise payload.error(
                ParseError,
                f"records of reporter {code} ({area_of(int(code))}), not asked for: the call asked for {asked}",
            )


def payload_digest(payload: Payload) -> bytes:
    """The answer without `elapsedTime`, which changes on every call for the same data."""
    try:
        doc = msgspec.json.decode(payload.content)
    except (msgspec.DecodeError, RecursionError):
        return payload.content  # not an answer: its parse says why
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
    except RecursionError:  # msgspec stops at Python's recursion limit, so memory stays bounded
        raise payload.error(
            ParseError, "JSON nested deeper than any answer; expected a Comtrade v1 answer"
        ) from None
    else:
        _raise_publisher_error(payload, answer.status_code, answer.message, answer.data, answer.error)
        return answer
    try:
        doc = msgspec.json.decode(payload.content)
    except msgspec.DecodeError as exc:  # a type error met before the syntax error further on
        raise _not_json(payload, exc) from None
    except RecursionError:
        raise payload.error(
            ParseError, "JSON nested deeper than any answer; expected a Comtrade v1 answer"
        ) from None
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
