"""Korea Customs answers (XML) -> raw rows, read as a stream with lxml.

An answer is `<response><header><resultCode>00</resultCode>...</header><body><items><item>...` with one
element per field in each item. As of 2026-06:
- errors come two ways: HTTP 200 with `header/resultCode` other than 00 (e.g. 99), or the data.go.kr
  gateway's `OpenAPI_ServiceResponse/cmmMsgHeader` envelope (e.g. code 12 with HTTP 400);
- itemtrade names the commodity `hsCode`, the other endpoints `hsCd`; nationtrade has no commodity;
- a `year` = "총계" item is a grand total over the whole query window, placed first, last or not at all.

No entity is expanded and no DTD or network is read; a document that declares a DTD is refused. Items
are dropped from the tree as they are read, so memory holds the rows, not the tree of the answer.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Final

import pandas as pd
from lxml import etree

from extractors.base import Payload
from extractors.errors import ParseError, PublisherError
from extractors.http import html_page_title
from transforms.months import month_pattern

GRAND_TOTAL_YEAR: Final = "총계"
# The item fields tradeflow reads (`hsCode` is itemtrade's `hsCd`). Items carry more (statCdCntnKor1,
# balPayments, and expCnt/impCnt on nationtrade) that no canonical column needs.
ITEM_FIELDS: Final = ("year", "hsCd", "statCd", "statKor", "expDlr", "expWgt", "impDlr", "impWgt", "hsCode")
RAW_COLUMNS: Final = ("endpoint", "year", "hsCd", "statCd", "statKor", "expDlr", "expWgt", "impDlr", "impWgt")
# What the gateway's codes mean, in words (as of 2026-12, data.go.kr's OpenAPI error table). A key is
# approved service by service: one approved for one Korea Customs service is refused by another.
GATEWAY_CODES: Final = {
    "12": "no such service: the path is wrong or the service was retired",
    "20": "access denied: this key is not approved for this service; each data.go.kr service needs its"
    " own approval of the key (apply on the service's page at data.go.kr)",
    "22": "this key's daily call quota for the service is used up",
    "30": "the key is not registered for this service: a wrong key, or one not (yet) approved for this"
    " service; each data.go.kr service needs its own approval of the key",
    "31": "the key's approval for this service has expired",
}
_YEAR = re.compile(month_pattern("."))
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _text(element: etree._Element) -> str:
    """The element's text as XPath's normalize-space() gives it: every text inside it, comments and
    processing instructions left out, XML whitespace trimmed and folded. (KCS's fields hold plain text
    on one line: read as it is, 1,000 items take a fifth of the time.)"""
    text = element.text or "" if len(element) == 0 else "".join(str(t) for t in element.itertext())
    if "  " in text or "\t" in text or "\n" in text or "\r" in text:
        return _XML_SPACE.sub(" ", text).strip(" ")
    return text.strip(" ")


@dataclass(frozen=True)
class Answer:
    columns: dict[str, list[str]]  # each field read, one text per item ("" where an item lacks it)
    present: set[str]  # the fields some item has
    total_count: int | None  # body/totalCount, where the service pages its answer


def read_answer(payload: Payload, fields: tuple[str, ...] = ITEM_FIELDS) -> Answer:
    """Every item of the answer's first body/items as columns of text (a field an item lacks is ""), and
    the fields some item has. Raises the publisher's own error if it sent one. `fields` are the item
    fields read (every data.go.kr service of Korea Customs answers in this envelope)."""
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(ParseError, f"an HTML page ({title!r}) where KCS XML was expected")
    columns: dict[str, list[str]] = {name: [] for name in fields}
    present: set[str] = set()
    wanted = frozenset(fields)
    first_items: etree._Element | None = None
    events = etree.iterparse(
        io.BytesIO(payload.content),
        events=("end",),
        tag="item",  # an event per item, not per field
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _, element in events:
            items = element.getparent()
            if first_items is None and _is_body_items(items):
                first_items = items
            if items is None or items is not first_items:
                continue
            found: dict[str, str] = {}
            for field in element:
                name = field.tag
                if isinstance(name, str) and name in wanted and name not in found:
                    found[name] = _text(field)
            for name in fields:
                columns[name].append(found.get(name, ""))
            present.update(found)
            element.clear()
            while element.getprevious() is not None:  # drop the items already read
                del first_items[0]
        root = events.root
    except etree.XMLSyntaxError as exc:
        raise payload.error(ParseError, f"not well-formed XML ({exc})") from None
    except (ValueError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise payload.error(ParseError, f"not well-formed XML ({type(exc).__name__}: {exc})") from None
    _check_envelope(payload, root)
    if first_items is None and root.find("body/items") is None:
        raise payload.error(ParseError, "no body/items element; expected <response><body><items>")
    count = (root.findtext("body/totalCount") or "").strip()
    return Answer(columns, present, int(count) if count.isdigit() else None)


def _is_body_items(items: etree._Element | None) -> bool:
    """`items` is the answer's response/body/items."""
    if items is None or items.tag != "items":
        return False
    body = items.getparent()
    return (
        body is not None
        and body.tag == "body"
        and body.getparent() is not None
        and (body.getparent() is body.getroottree().getroot())
    )


def _check_envelope(payload: Payload, root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise payload.error(
            ParseError, "unsafe XML refused: it declares a DTD or entities; KCS answers never do"
        )
    if root.tag == "OpenAPI_ServiceResponse":
        header = root.find("cmmMsgHeader")

        def field(name: str) -> str:
            node = header.find(name) if header is not None else None
            return (node.text or "").strip() if node is not None else ""

        code = field("returnReasonCode")
        meaning = GATEWAY_CODES.get(code)
        raise payload.error(
            PublisherError,
            f"data.go.kr gateway error {code} {field('errMsg')}: {field('returnAuthMsg')}".strip()
            + (f" ({meaning})" if meaning else ""),
            code=code,
        )
    if root.tag != "response":
        raise payload.error(
            ParseError, f"root element <{root.tag}>; expected <response> or <OpenAPI_ServiceResponse>"
        )
    code = (root.findtext("header/resultCode") or "").strip()
    if code != "00":
        message = (root.findtext("header/resultMsg") or "").strip()
        raise payload.error(PublisherError, f"KCS resultCode {code or '(missing)'}: {message}", code=code)


def parse_answer(payload: Payload) -> pd.DataFrame:
    """The answer's items as raw rows: RAW_COLUMNS, the endpoint told by the fields, and `fetched_at`."""
    answer = read_answer(payload)
    columns, present = answer.columns, answer.present
    if not columns["year"]:
        return pd.DataFrame(columns=[*RAW_COLUMNS, "fetched_at"])
    if "hsCode" in present:
        columns["hsCd"], endpoint = columns["hsCode"], "itemtrade"
        present.add("hsCd")
    elif "hsCd" in present:
        endpoint = "nitemtrade"
    elif "statCd" in present:
        endpoint = "nationtrade"
    else:
        raise payload.error(ParseError, "items have none of hsCode/hsCd/statCd; expected KCS trade items")
    missing = [c for c in ("year", "expDlr", "impDlr") if c not in present]
    if missing:
        raise payload.error(ParseError, f"items lack {missing}; expected KCS trade items")
    count = len(columns["year"])
    frame = pd.DataFrame(
        # A field no item carries (e.g. statCd on itemtrade) is missing (None), not "".
        {name: columns[name] if name in present else [None] * count for name in RAW_COLUMNS[1:]},
        dtype=object,
    )
    frame.insert(0, "endpoint", endpoint)
    frame["fetched_at"] = payload.fetched_at
    # A handful of distinct months in any answer: check each once.
    bad = [y for y in frame["year"].unique() if y != GRAND_TOTAL_YEAR and not _YEAR.fullmatch(str(y))]
    if bad:
        raise payload.error(ParseError, f"unexpected year {bad[0]!r}; expected YYYY.MM or 총계")
    return frame
