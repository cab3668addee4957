"""Reliability scenarios run on SQLite and PostgreSQL against a replay server that misbehaves for real."""

from __future__ import annotations

import pytest

from tests.reliability.harness import CANARIES


@pytest.fixture
def rel_env(flow_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Short timeouts and few retries, so faults play out in seconds."""
    from flows.runtime import reset_runtime

    extra = {
        **CANARIES,
        "TRADEFLOW_HTTP_READ_TIMEOUT_S": "0.5",
        "TRADEFLOW_HTTP_MAX_RETRIES": "3",
        "TRADEFLOW_HTTP_BACKOFF_S": "0.05",
        "TRADEFLOW_HTTP_MAX_RESPONSE_BYTES": "1000000",
        "TRADEFLOW_TASK_RETRIES": "0",
    }
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    reset_runtime()
    return {**flow_env, **extra}
