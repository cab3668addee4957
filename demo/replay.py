"""A replay server: answers at the publishers' URL paths from a folder of recorded releases.

Point the `TRADEFLOW_*_BASE_URL` settings at it (see `demo/tradeflow.toml` and `make demo`):

    un_comtrade  <base>/public/v1/preview/C/M/HS, <base>/data/v1/get/C/M/HS   un_comtrade/<reporter>_<YYYYMM>.json
    kr_customs   <base>/1220000/<endpoint path>                                kr_customs/<kind>_<args>_<YYYYMM>.xml
    cn_customs   <base>/statics/report/preliminary*.html, <base>/Statics/<id>.html   cn_customs/<name>
    us_census    <base>/intltrade/{exports,imports}/hs                         us_census/<flow>_<YYYY-MM>.json

A release that is not in the folder is answered the way the publisher answers a month that is not out
yet (an empty data list, an empty item list, a missing link, HTTP 204).

    python -m demo.replay --port 8765 [--root demo/releases]
"""

from __future__ import annotations

import argparse
import json
import threading
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
    for suffix, kind in KCS_KINDS.items():
        if path.endswith(suffix):
            if not q.get("serviceKey"):
                return 401, "text/xml", NO_KEY_KCS.encode()
            args = [q[k] for k in ("hsSgn", "cntyCd") if k in q]
            file = root / "kr_customs" / f"{kind}_{'_'.join(args)}_{q.get('strtYymm')}.xml"
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
    return 404, "text/plain", f"no route for {path}".encode()


class ReplayServer:
    """The replay server in a background thread (for tests and `make demo`)."""

    def __init__(self, root: Path = DEFAULT_ROOT, port: int = 0) -> None:
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(self.path)
                status, ctype, body = route(server.root, parts.path, parse_qs(parts.query))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def base_urls(self) -> dict[str, str]:
        """The TRADEFLOW_*_BASE_URL values that point every source at this server."""
        return {
            "TRADEFLOW_UN_COMTRADE_BASE_URL": self.url,
            "TRADEFLOW_KR_CUSTOMS_BASE_URL": f"{self.url}/1220000",
            "TRADEFLOW_CN_CUSTOMS_BASE_URL": self.url,
            "TRADEFLOW_US_CENSUS_BASE_URL": f"{self.url}/intltrade",
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
