"""Prefect flows, settings and the `tradeflow` command line (orchestration only)."""
