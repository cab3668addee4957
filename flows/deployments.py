"""Prefect deployments (nightly schedule + backfill). Not built yet: see issue 4."""

from __future__ import annotations

from flows.settings import Settings


def serve_deployments(settings: Settings) -> None:
    raise SystemExit("tradeflow serve: the Prefect deployments are not built yet")
