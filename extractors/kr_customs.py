"""Korea Customs Service trade statistics on data.go.kr (XML).

Endpoints (under `https://apis.data.go.kr/1220000`), all with `serviceKey`, `strtYymm`, `endYymm`:
- `nitemtrade/getNitemtradeList`: commodity by country (`hsSgn`, `cntyCd`), items carry `hsCd`, `statCd`;
- `Itemtrade/getItemtradeList`: commodity, all countries (`hsSgn`), items carry `hsCode`, no country;
- `nationtrade/getNationtradeList`: all goods by country (`cntyCd`); `expCnt`/`impCnt` count declarations.

Publisher quirks:
- as of 2026-06, at most 12 months a call and no paging; tradeflow asks one month per call.
- as of 2026-06, a `year` = "총계" item is a grand total over the whole query window, placed first, last or
  not at all; it is recognised by its value and never stored as a month.
- as of 2026-06, errors come two ways: HTTP 200 with `header/resultCode` other than 00 (e.g. 99), or the
  data.go.kr gateway's `OpenAPI_ServiceResponse/cmmMsgHeader` envelope (e.g. code 12, HTTP 400).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import ClassVar

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from lxml import etree

from extractors.base import (
    HttpSession,
    ParseError,
    Payload,
    PermanentFetchError,
    PublisherError,
    SourceConfig,
    html_page_title,
    redact_text,
    redact_url,
)
from transforms import areas
from transforms.kr_customs import GRAND_TOTAL_YEAR, RAW_COLUMNS, normalize_kr_customs, refresh_date

ENDPOINTS = {
    "nitemtrade": "nitemtrade/getNitemtradeList",
    "itemtrade": "Itemtrade/getItemtradeList",
    "nationtrade": "nationtrade/getNationtradeList",
}


class KrCustoms:
    source_id: ClassVar[str] = "kr_customs"
    payload_ext: ClassVar[str] = "xml"

    def scopes(self, config: SourceConfig) -> list[str]:
        """nitemtrade:<hs>:<country> / itemtrade:<hs> (world) / nationtrade:<country> (all goods)."""
        out: list[str] = []
        for commodity in config.commodities or ("TOTAL",):
            for partner in config.partners or ("WLD",):
                if commodity == "TOTAL":
                    if partner != "WLD":
                        out.append(f"nationtrade:{areas.to_alpha2(partner)}")
                elif partner == "WLD":
                    out.append(f"itemtrade:{commodity}")
                else:
                    out.append(f"nitemtrade:{commodity}:{areas.to_alpha2(partner)}")
        return out

    def request(self, config: SourceConfig, period: dt.date, scope: str) -> tuple[str, dict[str, str]]:
        kind, *args = scope.split(":")
        if kind not in ENDPOINTS:
            raise ValueError(f"unknown kr_customs scope {scope!r}")
        month = period.strftime("%Y%m")
        params = {"strtYymm": month, "endYymm": month}
        if kind == "nitemtrade":
            params |= {"hsSgn": args[0], "cntyCd": args[1]}
        elif kind == "itemtrade":
            params |= {"hsSgn": args[0]}
        else:
            params |= {"cntyCd": args[0]}
        # The key goes first: data.go.kr expects it as issued (already URL-encoded "Encoding" keys work too).
        return f"{config.base_url}/{ENDPOINTS[kind]}", {"serviceKey": config.api_key or "", **params}

    def fetch(self, http: HttpSession, config: SourceConfig, period: dt.date, scope: str) -> list[Payload]:
        url, params = self.request(config, period, scope)
        if not config.api_key:
            raise PermanentFetchError(
                "no service key: set TRADEFLOW_KR_CUSTOMS_SERVICE_KEY (data.go.kr)",
                source=self.source_id,
                period=period,
                url=redact_url(url, http.secrets),
            )
        response, body = http.get(
            url, source=self.source_id, period=period, params=params, ok_statuses=(200, 400, 401, 403)
        )
        payload = Payload(
            source=self.source_id,
            content=body,
            url=redact_url(response.url or url, http.secrets),
            ext="xml",
            period=period,
            scope=scope,
            status=response.status_code,
        )
        if response.status_code != 200:
            # as of 2026-06 the data.go.kr gateway answers a refused call with its XML envelope and a 4xx
            # status: its code and message say why. Any other 4xx body is just an HTTP error.
            try:
                _read(payload)
            except ParseError:
                snippet = redact_text(" ".join(body[:200].decode("utf-8", "replace").split()), http.secrets)
                raise payload.error(
                    PermanentFetchError, f"HTTP {response.status_code} {snippet}", status=response.status_code
                ) from None
            raise payload.error(
                PermanentFetchError,
                f"HTTP {response.status_code} with a success envelope",
                status=response.status_code,
            )
        return [payload]

    def parse(self, payload: Payload) -> pd.DataFrame:
        root, table, present = _read(payload)
        if root.find("body/items") is None:
            raise payload.error(ParseError, "no body/items element; expected <response><body><items>")
        if not table:
            return pd.DataFrame(columns=list(RAW_COLUMNS))
        frame: pd.DataFrame = pa_csv.read_csv(
            io.BytesIO(table),
            read_options=pa_csv.ReadOptions(column_names=list(ITEM_FIELDS), use_threads=False),
            parse_options=pa_csv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(ITEM_FIELDS, pa.string()), strings_can_be_null=False
            ),
        ).to_pandas()
        if "hsCode" in present:
            frame["hsCd"] = frame["hsCode"]
            frame["endpoint"] = "itemtrade"
            present.add("hsCd")
        elif "hsCd" in present:
            frame["endpoint"] = "nitemtrade"
        elif "statCd" in present:
            frame["endpoint"] = "nationtrade"
        else:
            raise payload.error(ParseError, "items have none of hsCode/hsCd/statCd; expected KCS trade items")
        missing = [c for c in ("year", "expDlr", "impDlr") if c not in present]
        if missing:
            raise payload.error(ParseError, f"items lack {missing}; expected KCS trade items")
        for col in RAW_COLUMNS:
            if col not in present and col != "endpoint":
                frame[col] = None  # a field no item carries (e.g. statCd on itemtrade) is missing, not ""
        frame = frame.loc[:, list(RAW_COLUMNS)]
        frame["fetched_at"] = payload.fetched_at
        bad_year = ~frame["year"].str.fullmatch(r"\d{4}\.\d{2}").astype(bool) & (
            frame["year"] != GRAND_TOTAL_YEAR
        )
        if bad_year.any():
            raise payload.error(
                ParseError,
                f"unexpected year {frame.loc[bad_year, 'year'].iloc[0]!r}; expected YYYY.MM or 총계",
            )
        return frame

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return normalize_kr_customs(raw)

    def fingerprint(self, payload: Payload) -> bytes:
        """The body, plus whether the month is still provisional: the same bytes fetched after the
        mid-month refresh are final figures, and must not be skipped as unchanged."""
        period = payload.period
        final = period is not None and payload.fetched_at.date() >= refresh_date(period)
        return payload.content + (b"\x00final" if final else b"\x00provisional")


# The item fields tradeflow reads (`hsCode` is itemtrade's name for `hsCd`), in the order of the rows below.
ITEM_FIELDS = (*(c for c in RAW_COLUMNS if c != "endpoint"), "hsCode")
_BATCH_ITEMS = 5_000
_ITEM_ROWS = etree.XSLT(
    etree.XML(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:output method="text" encoding="UTF-8"/><xsl:param name="upto"/><xsl:template match="/">'
        '<xsl:for-each select="response/body/items[1]/item[position() &lt;= $upto]">'
        + "<xsl:text>&#9;</xsl:text>".join(
            f'<xsl:value-of select="normalize-space({f})"/>' for f in ITEM_FIELDS
        )
        + "<xsl:text>&#10;</xsl:text></xsl:for-each></xsl:template></xsl:stylesheet>"
    ),
    access_control=etree.XSLTAccessControl.DENY_ALL,  # type: ignore[attr-defined]  # lxml-stubs lag
)
"""The first `upto` items -> tab-separated rows, walked by libxslt: a Python loop over the ~13 fields of
50,000 items was most of the parse time. normalize-space() trims each value and folds tabs and newlines,
so a row is one line whatever a name contains. Only the first body/items counts, as KCS sends one."""


def _read(payload: Payload) -> tuple[etree._Element, bytes, set[str]]:
    """Parse safely and stream the items out: (root without its items, their rows as TSV, fields seen).

    The document is read with lxml's iterparse; every 5,000 items are turned into rows and dropped, so
    memory holds a batch rather than the tree of the whole answer (13 MB of XML is ~200 MB as a tree). No
    entity is expanded, no DTD or network is read, and a document that declares a DTD is refused. Raises
    the publisher's own error if it sent one.
    """
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(ParseError, f"an HTML page ({title!r}) where KCS XML was expected")
    chunks: list[bytes] = []
    present: set[str] = set()

    def take_batch(root: etree._Element, upto: int) -> None:
        """Turn the first `upto` items into rows and drop them from the tree."""
        for name in ITEM_FIELDS:
            if name not in present and root.xpath(
                f"boolean(body/items[1]/item[position() <= {upto}]/{name})"
            ):
                present.add(name)
        chunks.append(bytes(_ITEM_ROWS(root.getroottree(), upto=str(upto))))
        items = root.find("body/items")
        if items is not None:
            del items[:upto]

    events = etree.iterparse(
        io.BytesIO(payload.content),
        events=("end",),
        tag="item",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for count, (_, item) in enumerate(events, start=1):
            # The parser runs ahead of its events: items after this one may be half built, so a batch
            # ends at this item, which is complete, as are all before it.
            if count % _BATCH_ITEMS == 0:
                parent = item.getparent()
                root = item.getroottree().getroot()
                if parent is not None and parent is root.find("body/items"):
                    take_batch(root, parent.index(item) + 1)
        root = events.root
    except etree.XMLSyntaxError as exc:
        raise payload.error(ParseError, f"not well-formed XML ({exc})") from None
    except (ValueError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise payload.error(ParseError, f"not well-formed XML ({type(exc).__name__}: {exc})") from None
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
        raise payload.error(
            PublisherError,
            f"data.go.kr gateway error {code} {field('errMsg')}: {field('returnAuthMsg')}".strip(),
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
    items = root.find("body/items")
    take_batch(root, len(items) if items is not None else 0)
    return root, b"".join(chunks), present


EXTRACTOR = KrCustoms()
