"""Is month M out? The index page lists a link per published month (as of 2026-04): the first table and
edition watched is looked up there, and no release page is read. January is never out alone."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.cn_customs.fetch import find_release_link
from extractors.cn_customs.scopes import GaccScope
from extractors.cn_customs.settings import CnCustomsSettings
from extractors.http import HttpSession


def probe(http: HttpSession, settings: CnCustomsSettings, moment: ReleaseMoment) -> ProbeResult:
    scope = GaccScope(settings.tables[0] if settings.tables else "4", settings.edition)
    url, tried = find_release_link(http, settings, moment.period, scope.table, scope.edition)
    if url is None:
        return ProbeResult(False, f"table ({scope.table}) {scope.edition} not listed yet", tried[-1])
    return ProbeResult(True, f"table ({scope.table}) {scope.edition} listed for {moment.period:%Y-%m}", url)
