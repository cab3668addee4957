"""The `tradeflow` command line: its arguments, and what it renders for people (tables, status, charts,
files). The flows it starts live in `flows/` (orchestration only)."""
