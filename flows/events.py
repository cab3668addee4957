"""Prefect events for downstream: a release that loaded new or revised figures, and a release that failed.

    tradeflow.release.loaded   when a release wrote new or revised figures (not for an unchanged one)
    tradeflow.release.failed   when a release failed (its message says why)

The resource is the release: `prefect.resource.id` = `tradeflow.release.<source>.<scope>.<YYYY-MM>`, with
`tradeflow.source`, `tradeflow.scope` and `tradeflow.month` as labels an automation can match on (README,
"Events for downstream"). The payload holds the counts new / revised / unchanged, the release id and any
warnings the release was stored with. Events go to the Prefect API of the run (the temporary server of a
command-line run keeps them only while it lives).
"""

from __future__ import annotations

import logging
from typing import Any

from flows.releases import Outcome

log = logging.getLogger(__name__)

LOADED = "tradeflow.release.loaded"
FAILED = "tradeflow.release.failed"
_WARNING = "; warning: "


def release_event(outcome: Outcome) -> tuple[str, dict[str, str], dict[str, Any]] | None:
    """(event name, resource, payload) for an outcome downstream should hear of; None for the others."""
    if outcome.state == "loaded" and (outcome.inserted or outcome.revised):
        name = LOADED
    elif outcome.state == "failed":
        name = FAILED
    else:
        return None
    resource = {
        "prefect.resource.id": f"tradeflow.release.{outcome.source}.{outcome.scope}.{outcome.month}",
        "prefect.resource.name": f"{outcome.source} {outcome.month} {outcome.scope}",
        "tradeflow.source": outcome.source,
        "tradeflow.scope": outcome.scope,
        "tradeflow.month": outcome.month,
    }
    payload: dict[str, Any] = {
        "new": outcome.inserted,
        "revised": outcome.revised,
        "unchanged": max(outcome.rows - outcome.inserted - outcome.revised, 0),
        "warnings": [w.strip() for w in outcome.message.split(_WARNING)[1:]],
        "release_id": outcome.release_id,
    }
    if name == FAILED:
        payload = {"message": outcome.reason}
    return name, resource, payload


def emit_release_event(outcome: Outcome) -> None:
    """Emit the outcome's event, if it has one; an event that cannot be sent never fails the release."""
    found = release_event(outcome)
    if found is None:
        return
    name, resource, payload = found
    try:
        from prefect.events import emit_event

        emit_event(event=name, resource=resource, payload=payload)
    except Exception as exc:  # the figures are loaded whatever happens to the news of it
        log.warning("%s for %s not sent: %s", name, resource["prefect.resource.name"], exc)
