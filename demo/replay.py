"""A replay server: answers at the publishers' URL paths from a folder of recorded releases.

Point the `TRADEFLOW_*_BASE_URL` settings at it (see `demo/tradeflow.toml` and `make demo`):

    un_comtrade  <base>/public/v1/preview/C/M/HS, <base>/data/v1/get/C/M/HS   un_comtrade/<reporter>_<YYYYMM>.json
                 <base>/public/v1/getDA/C/M/HS (data availability: the files present, released at their mtime)
    kr_customs   <base>/1220000/<endpoint path>                                kr_customs/<kind>_<args>_<YYYYMM>.xml
    kr_customs_flash  <base>/1220000/<service>/get<Service>                    kr_customs_flash/get<Service>_<YYYYMM>.xml
    cn_customs   <base>/statics/report/preliminary*.html, <base>/Statics/<id>.html   cn_customs/<name>
    us_census    <base>/intltrade/{exports,imports}/hs                         us_census/<flow>_<YYYY-MM>.json
    eurostat_comext  <base>/comext/sdmx/2.1/data/DS-045409/<key>              eurostat_comext/<reporter>_<YYYY-MM>.csv
    ecb_exr (rates)  <base>/service/data/EXR/M.<currencies>.EUR.SP00.A      ecb_exr/EXR_M.csv (the rows asked for)

A release that is not in the folder is answered the way the publisher answers a month that is not out
yet (an empty data list, an empty item list, a missing link, HTTP 204, HTTP 404).

    python -m demo.replay --port 8765 [--root demo/releases]
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DEFAULT_ROOT = Path(__file__).parent / "releases"
EMPTY_KCS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00'
    "</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items/></body></response>"
)
NO_KEY_KCS = (
    "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>"
    "SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30</returnReasonCode>"
    "</cmmMsgHeader></OpenAPI_ServiceResponse>"
)
KCS_KINDS = {
    "nitemtrade/getNitemtradeList": "nitemtrade",
    "Itemtrade/getItemtradeList": "itemtrade",
    "nationtrade/getNationtradeList": "nationtrade",
}


def route(root: Path, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
    """(status, content type, body) for one request."""
    q = {k: v[0] for k, v in query.items()}
    if path.endswith(("/public/v1/preview/C/M/HS", "/data/v1/get/C/M/HS")):
        file = root / "un_comtrade" / f"{q.get('reporterCode')}_{q.get('period')}.json"
        if file.is_file():
            return 200, "application/json", file.read_bytes()
        return 200, "application/json", b'{"elapsedTime":"0.01 secs","count":0,"data":[],"error":""}'
    if path.endswith(("/public/v1/getDA/C/M/HS", "/data/v1/getDA/C/M/HS")):
        file = root / "un_comtrade" / f"{q.get('reporterCode')}_{q.get('period')}.json"
        data = []
        if file.is_file():
            released = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(file.stat().st_mtime))
            data = [{"typeCode": "C", "freqCode": "M", "period": q.get("period"), "reporterCode": int(q.get("reporterCode") or 0),
                     "classificationCode": "H6", "firstReleased": released, "lastReleased": released}]  # fmt: skip
        return 200, "application/json", json.dumps({"count": len(data), "data": data, "error": ""}).encode()
    for suffix, kind in KCS_KINDS.items():
        if path.endswith(suffix):
            if not q.get("serviceKey"):
                return 401, "text/xml", NO_KEY_KCS.encode()
            args = [q[k] for k in ("hsSgn", "cntyCd") if k in q]
            file = root / "kr_customs" / f"{kind}_{'_'.join(args)}_{q.get('strtYymm')}.xml"
            return 200, "text/xml", file.read_bytes() if file.is_file() else EMPTY_KCS.encode()
    if "MmUtPrvi" in path:  # Korea Customs' preliminary services: <service>/get<Service>
        if not q.get("serviceKey"):
            return 401, "text/xml", NO_KEY_KCS.encode()
        file = root / "kr_customs_flash" / f"{path.rsplit('/', 1)[-1]}_{q.get('strtYymm')}.xml"
        return 200, "text/xml", file.read_bytes() if file.is_file() else EMPTY_KCS.encode()
    if "/statics/report/preliminary" in path or "/Statics/" in path:
        file = root / "cn_customs" / Path(path).name
        if "/statics/report/preliminary" in path:
            file = root / "cn_customs" / "preliminary.html"
        if file.is_file():
            return 200, "text/html; charset=utf-8", file.read_bytes()
        return 404, "text/html", b"<html><body>404 Not Found</body></html>"
    for flow in ("exports", "imports"):
        if path.endswith(f"/intltrade/{flow}/hs"):
            file = root / "us_census" / f"{flow}_{q.get('time')}.json"
            if file.is_file():
                return 200, "application/json", file.read_bytes()
            return 204, "application/json", b""
    if "/comext/sdmx/2.1/data/DS-045409/" in path:
        reporter = path.rsplit("/", 1)[-1].split(".")[1]
        file = root / "eurostat_comext" / f"{reporter}_{q.get('startPeriod')}.csv"
        if file.is_file():
            return 200, "application/vnd.sdmx.data+csv; charset=utf-8", file.read_bytes()
        return 404, "text/plain", b"No Results Found"
    if "/service/data/EXR/" in path:
        return _exchange_rates(root / "ecb_exr" / "EXR_M.csv", path.rsplit("/", 1)[-1], q)
    return 404, "text/plain", f"no route for {path}".encode()


def _exchange_rates(file: Path, key: str, q: dict[str, str]) -> tuple[int, str, bytes]:
    """The rows of a recorded EXR answer that the key's currencies and the period range ask for."""
    currencies = set(key.split(".")[1].split("+")) if key.count(".") == 4 else set()
    lines = file.read_text(encoding="utf-8").splitlines() if file.is_file() else []
    first, last = q.get("startPeriod", ""), q.get("endPeriod", "9999")
    header, rows = (lines[0], lines[1:]) if lines else ("", [])
    kept = [r for r in rows if (cells := r.split(","))[2] in currencies and first <= cells[6] <= last]
    if not kept:
        return 404, "text/plain", b"No results found."
    return 200, "text/csv", ("\n".join([header, *kept]) + "\n").encode()


FAULTS_HELP = """Faults, each used once per matching request, in order:
  stall:S        wait S seconds, then answer normally
  reset          send the headers and half the body, then reset the connection (RST)
  truncate       promise the whole body (Content-Length) but send half of it and close
  cut            answer 200 with the first half of the body as if it were whole
  status:N[:R]   answer HTTP N with a short body (and Retry-After: R)
  html           answer 200 with an HTML error page
  huge:N         answer 200 with N bytes
  ok             answer normally"""


class ReplayServer:
    """The replay server in a background thread (for tests and `make demo`).

    `faults` maps a substring of the request path and query to a list of faults (FAULTS_HELP) applied to
    the matching requests one after the other; once a list is used up, requests are answered normally.
    """

    def __init__(
        self,
        root: Path = DEFAULT_ROOT,
        port: int = 0,
        faults: dict[str, list[str]] | None = None,
        latency_s: float = 0.0,
    ) -> None:
        self.root = root
        self.latency_s = latency_s  # every answer waits this long, like a distant publisher
        self.requests: list[str] = []
        self.request_times: list[tuple[float, str]] = []
        self.spans: list[tuple[float, float, str]] = []  # (start, end, path) of every answered request
        self.faults: dict[str, list[str]] = {k: list(v) for k, v in (faults or {}).items()}
        self._faults_lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                start = time.monotonic()
                parts = urlsplit(self.path)
                server.requests.append(self.path)
                server.request_times.append((start, self.path))
                status, ctype, body = route(server.root, parts.path, parse_qs(parts.query))
                if server.latency_s:
                    time.sleep(server.latency_s)
                fault = server.next_fault(self.path)
                if fault is None or not self.apply(fault, status, ctype, body):
                    self.answer(status, ctype, body)
                server.spans.append((start, time.monotonic(), self.path))

            def answer(
                self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def apply(self, fault: str, status: int, ctype: str, body: bytes) -> bool:
                """Apply one fault; True when the request has been fully dealt with."""
                kind, _, arg = fault.partition(":")
                if kind == "stall":
                    time.sleep(float(arg))
                    return False
                if kind in ("reset", "truncate"):
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(max(len(body), 2)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    if kind == "reset":  # closing with SO_LINGER 0 sends RST instead of FIN
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                    else:
                        self.connection.shutdown(socket.SHUT_WR)
                    self.close_connection = True
                    return True
                if kind == "cut":
                    self.answer(200, ctype, body[: len(body) // 2])
                    return True
                if kind == "status":
                    code, _, retry_after = arg.partition(":")
                    headers = {"Retry-After": retry_after} if retry_after else {}
                    # Like many gateways, the error page echoes the request (secrets included).
                    self.answer(
                        int(code), "text/plain", f"injected HTTP {code} for {self.path}".encode(), headers
                    )
                    return True
                if kind == "html":
                    self.answer(
                        200,
                        "text/html",
                        b"<html><head><title>502 Bad Gateway</title></head><body>"
                        b"<h1>502 Bad Gateway</h1><hr>nginx</body></html>",
                    )
                    return True
                if kind == "huge":
                    self.answer(200, ctype, b" " * int(arg))
                    return True
                return False  # "ok": answer normally

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def next_fault(self, request: str) -> str | None:
        with self._faults_lock:
            for key, queue in self.faults.items():
                if key in request and queue:
                    return queue.pop(0)
        return None

    def count(self, fragment: str) -> int:
        return sum(fragment in r for r in self.requests)

    def max_in_flight(self, fragment: str) -> int:
        """The most requests matching `fragment` that were being answered at the same moment."""
        edges = sorted(
            (t, step)
            for start, end, path in self.spans
            if fragment in path
            for t, step in ((start, 1), (end, -1))
        )
        current = peak = 0
        for _, step in edges:
            current += step
            peak = max(peak, current)
        return peak

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def base_urls(self) -> dict[str, str]:
        """The TRADEFLOW_*_BASE_URL values that point every source at this server."""
        return {
            "TRADEFLOW_UN_COMTRADE_BASE_URL": self.url,
            "TRADEFLOW_KR_CUSTOMS_BASE_URL": f"{self.url}/1220000",
            "TRADEFLOW_KR_CUSTOMS_FLASH_BASE_URL": f"{self.url}/1220000",
            "TRADEFLOW_CN_CUSTOMS_BASE_URL": self.url,
            "TRADEFLOW_US_CENSUS_BASE_URL": f"{self.url}/intltrade",
            "TRADEFLOW_EUROSTAT_COMEXT_BASE_URL": f"{self.url}/comext/sdmx/2.1",
            "TRADEFLOW_RATES_BASE_URL": self.url,
        }

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args()
    with ReplayServer(args.root, args.port) as server:
        print(json.dumps(server.base_urls(), indent=1), flush=True)
        server.thread.join()


if __name__ == "__main__":
    main()
