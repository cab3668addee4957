"""Fetch claims: two `watch` runs that find the same release out at once fetch it once.

The claim is one atomic statement on both databases (INSERT ... ON CONFLICT DO UPDATE ... WHERE): a run
owns a release when it inserts the claim or takes over one that is stale (made before the release moment,
or more than CLAIM_TTL ago: a run that died mid-fetch holds nothing for long).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

CLAIM_TTL = dt.timedelta(minutes=30)  # longer than any fetch's deadline (TRADEFLOW_HTTP_TOTAL_TIMEOUT_S)

_CLAIM = """
INSERT INTO fetch_claim (source, scope, period, claimed_at, holder)
VALUES (:source, :scope, :period, :now, :holder)
ON CONFLICT (source, scope, period) DO UPDATE SET claimed_at = excluded.claimed_at, holder = excluded.holder
WHERE fetch_claim.claimed_at < :stale_before OR fetch_claim.claimed_at < :since
   OR fetch_claim.holder = excluded.holder
"""


def claim_fetch(
    engine: Engine,
    source: str,
    scope: str,
    period: dt.date,
    *,
    since: dt.datetime,
    holder: str,
    now: dt.datetime | None = None,
) -> bool:
    """True when this run (`holder`) may fetch the release: no other run claimed it since `since` (the
    release moment) within the last CLAIM_TTL."""
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        result = conn.execute(
            text(_CLAIM),
            {
                "source": source,
                "scope": scope,
                "period": period.isoformat() if sqlite else period,
                "now": _stored(now, sqlite),
                "holder": holder,
                "stale_before": _stored(now - CLAIM_TTL, sqlite),
                "since": _stored(since, sqlite),
            },
        )
        return result.rowcount == 1


def _stored(moment: dt.datetime, sqlite: bool) -> object:
    """SQLite compares the stored text: write every instant the same way (UTC, ISO, microseconds)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else utc
