"""Serve the tradeflow deployments (nightly schedule + backfill) to the Prefect server in PREFECT_API_URL.

python deploy/serve.py        # same as `tradeflow serve`
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.deployments import serve_deployments
from flows.settings import get_settings

if __name__ == "__main__":
    serve_deployments(get_settings())
