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
from typing import ClassVar
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlParseError

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

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
                _root(payload)
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
        root = _root(payload)
        items = root.find("body/items")
        if items is None:
            raise payload.error(ParseError, "no body/items element; expected <response><body><items>")
        rows = [{child.tag: (child.text or "").strip() for child in item} for item in items.findall("item")]
        if not rows:
            return pd.DataFrame(columns=list(RAW_COLUMNS))
        frame = pd.DataFrame(rows)
        if "hsCode" in frame.columns:
            frame = frame.rename(columns={"hsCode": "hsCd"})
            frame["endpoint"] = "itemtrade"
        elif "hsCd" in frame.columns:
            frame["endpoint"] = "nitemtrade"
        elif "statCd" in frame.columns:
            frame["endpoint"] = "nationtrade"
        else:
            raise payload.error(
                ParseError, f"items have none of hsCode/hsCd/statCd (fields: {sorted(frame.columns)})"
            )
        for col in RAW_COLUMNS:
            if col not in frame.columns:
                frame[col] = None
        missing = [c for c in ("year", "expDlr", "impDlr") if frame[c].isna().all()]
        if missing:
            raise payload.error(ParseError, f"items lack {missing}; expected KCS trade items")
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


def _root(payload: Payload) -> Element:
    """Parse safely (no entities, no DTD fetch) and raise the publisher's own error if it sent one."""
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(ParseError, f"an HTML page ({title!r}) where KCS XML was expected")
    try:
        root = fromstring(payload.content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise payload.error(
            ParseError,
            f"unsafe XML refused: it declares a DTD or entities ({type(exc).__name__}); KCS answers never do",
        ) from None
    except (XmlParseError, ValueError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise payload.error(ParseError, f"not well-formed XML ({type(exc).__name__}: {exc})") from None
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
    code_node = root.find("header/resultCode")
    code = (code_node.text or "").strip() if code_node is not None else ""
    if code != "00":
        msg_node = root.find("header/resultMsg")
        message = (msg_node.text or "").strip() if msg_node is not None else ""
        raise payload.error(PublisherError, f"KCS resultCode {code or '(missing)'}: {message}", code=code)
    return root


EXTRACTOR = KrCustoms()
