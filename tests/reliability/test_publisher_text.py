"""Publisher text reaches operators as text, never as control sequences or markup (issue 26, item 11).

A Comtrade error message holding terminal escape sequences was printed raw (it can clear the screen and
print a fake "ALL RELEASES LOADED OK"); a Markdown link and tracking image in an error were stored
verbatim in the failures artifact, where Prefect renders them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import Engine

from extractors.errors import ParseError, printable
from flows.releases import Outcome
from flows.report import failures_markdown, literal
from tests.helpers import run_cli, table_rows

pytestmark = pytest.mark.prefect
HOSTILE = (
    "\x1b[2J\x1b[H\x1b]0;owned\x07ALL RELEASES LOADED OK\r\n\x1b[32mfine\x1b[0m\x9b31m\u202etxet desrever "
    "see [the fix](https://evil.example/x) ![](https://evil.example/pixel.gif) `code` <b>bold</b>"
)


def test_printable_removes_escape_sequences_and_controls() -> None:
    shown = printable(HOSTILE)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in shown)
    assert shown.startswith("ALL RELEASES LOADED OK fine") and "owned" not in shown
    error = ParseError(HOSTILE, source="un_comtrade", url="http://x/\x1b[2Jy")
    assert "\x1b" not in str(error) and "\n" not in str(error) and error.url == "http://x/y"


def test_a_terminal_table_shows_stored_text_without_its_controls() -> None:
    from cli.output import render_table

    table = render_table(["commodity_name", "value"], [("\x1b[2JChips\x1b[0m\u202e", 1.0)])
    assert "\x1b" not in table and "\u202e" not in table and "Chips" in table


def test_markdown_shows_publisher_text_as_written() -> None:
    shown = literal("see [the fix](https://evil.example/x) ` and `` too")
    assert shown == "``` see [the fix](https://evil.example/x) ` and `` too ```"
    import datetime as dt

    failed = Outcome("un_comtrade", "reporter=KOR", dt.date(2026, 8, 1), "failed", message=HOSTILE)
    text = failures_markdown("t", [failed])
    (line,) = [ln for ln in text.splitlines() if ln.startswith("- **")]
    body = line.split(": ", 1)[1]
    assert body.startswith("`") and body.endswith("`") and "](https://evil.example" in body


def test_a_hostile_publisher_message_is_shown_as_plain_text(
    flow_env: dict[str, str], releases: Path, engine: Engine
) -> None:
    answer = releases / "un_comtrade" / "410_202608.json"
    answer.write_text(json.dumps({"elapsedTime": "0.1 secs", "count": 0, "data": [], "error": HOSTILE}))
    done = run_cli(flow_env, "backfill", "--start", "2026-08", "--end", "2026-08", "--source", "un_comtrade")
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Comtrade error: ALL RELEASES LOADED OK fine" in said
    assert not any((ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F for c in said), repr(said[-500:])
    (cell,) = [c for c in table_rows(engine, "ingest_status", order="source") if c["source"] == "un_comtrade"]
    assert cell["state"] == "failed" and "\x1b" not in str(cell["message"])
    failures = str(Artifact.get("tradeflow-backfill-failures").data)  # type: ignore[union-attr]
    (line,) = [ln for ln in failures.splitlines() if "un_comtrade 2026-08" in ln]
    shown = line.split(": ", 1)[1]  # a code span, fenced past the message's own backticks: never a link
    assert shown.startswith("`` ") and shown.endswith(" ``") and "![](https://evil.example" in shown
    assert "\x1b" not in failures


@pytest.fixture
def engine(flow_env: dict[str, str]) -> Engine:
    from flows.runtime import runtime

    return runtime().engine
