"""README's command blocks, run as written after `make demo`, in a folder laid out like a fresh clone.

Every fenced block in README.md is either an example (`<!-- example: NAME -->` before it), run here in
document order with the `setup` block before each one that follows it, or says why it is not run
(`<!-- not run by tests/test_readme.py: ... -->`), or is an automation tests/test_events.py creates
(`<!-- automation: NAME -->`). An example that fails, prints no rows, prints other
than the output README shows under it, or leaves a file its text does not name fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"(?:<!-- (example: [\w-]+|automation: [\w-]+|not run by tests/test_readme\.py: [^\n]*?) -->\n)?"
    r"[ ]*```(\w*)\n(.*?)```",
    re.S,
)
RUN_ELSEWHERE = {"psql": "tests/test_downstream.py runs it against PostgreSQL"}
# Where README shows a date that is the day the demo ran, the output says the day it ran.
RUN_DAY = re.compile(r"last released \d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Block:
    marker: str | None
    language: str
    text: str

    @property
    def example(self) -> str | None:
        return (
            self.marker.removeprefix("example: ")
            if self.marker and self.marker.startswith("example")
            else None
        )


def readme_blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # findall gives "" for a block with no marker before it
    return [Block(marker or None, language, body) for marker, language, body in BLOCK.findall(text)]


def test_every_block_is_an_example_or_says_why_not() -> None:
    blocks = readme_blocks()
    unmarked = [b.text.splitlines()[0] for b in blocks if b.marker is None]
    assert unmarked == [], f"README blocks with no marker: {unmarked}"
    names = [b.example for b in blocks if b.example]
    assert len(names) == len(set(names))
    assert {"setup", "files", "query-latest", "headline-year", "chart", "export", "duckdb"} <= set(names)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like a fresh clone after `make demo`: the project's .venv and demo/, data/demo.db made."""
    here = tmp_path_factory.mktemp("clone")
    (here / ".venv").symlink_to(Path(sys.prefix))
    (here / "demo").symlink_to(ROOT / "demo")
    demo = subprocess.run(
        [str(here / ".venv" / "bin" / "python"), "-m", "demo.run"],  # what `make demo` runs
        cwd=here,
        env=_user_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "export TRADEFLOW_DATABASE_URL=sqlite:///data/demo.db" in demo.stdout  # it says how to use it
    return here


def _user_env() -> dict[str, str]:
    """A user's shell: none of the test session's tradeflow or Prefect settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEFLOW_", "PREFECT_", "VIRTUAL_ENV"))}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if not p.endswith("/.venv/bin"))
    return env | {"PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _files(folder: Path) -> set[str]:
    out = set()
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.parts[0] in (".venv", "demo", "data") or path.is_dir():
            continue
        out.add(str(relative))
    return out


def _run(project: Path, setup: str, block: Block) -> subprocess.CompletedProcess[str]:
    if block.language == "python":
        script = project / ".readme_example.py"
        script.write_text(block.text, encoding="utf-8")
        command = f"{setup}\npython .readme_example.py"
    else:
        command = f"{setup}\n{block.text}"
    try:
        return subprocess.run(
            ["bash", "-e", "-c", command],
            cwd=project,
            env=_user_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        (project / ".readme_example.py").unlink(missing_ok=True)


def _shown_output(block: Block) -> list[str]:
    """The lines README shows as the example's output: `# ` lines after the command."""
    return [line.removeprefix("# ") for line in block.text.splitlines() if line.startswith("# ")]


def test_every_example_runs_as_written_after_make_demo(project: Path) -> None:
    setup = ""
    outputs: dict[str, str] = {}
    for block in readme_blocks():
        name = block.example
        if name is None or name in RUN_ELSEWHERE:
            continue
        before = _files(project)
        result = _run(project, setup, block)
        assert result.returncode == 0, f"README example {name!r} failed:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr, (name, result.stderr)
        stray = {f for f in _files(project) - before if Path(f).name not in block.text}
        assert stray == set(), f"README example {name!r} left files its text does not name: {stray}"
        outputs[name] = result.stdout
        if name == "setup":
            setup = block.text
            continue
        assert result.stdout.strip(), f"README example {name!r} printed nothing"
        shown = _shown_output(block)
        if shown:
            said = [RUN_DAY.sub("last released DAY", line) for line in result.stdout.splitlines()]
            assert said == [RUN_DAY.sub("last released DAY", line) for line in shown], name
        if block.text.lstrip().startswith("tradeflow query"):
            assert len(result.stdout.strip().splitlines()) >= 2, f"{name!r} printed no rows"
    assert "854232" in outputs["files"] and "8 rows, 8 new" in outputs["files"]
    assert "kr_customs 2026-10-01 854232" in outputs["query-revised"]  # the refresh revised it
    assert "0.006" in outputs["query-revised"]
    assert "un_comtrade" in outputs["query-mirror"] and "cn_customs" in outputs["query-mirror"]
    assert "2026-10-01" in outputs["pandas"] and "export" in outputs["pandas"]
    assert "double" in outputs["duckdb"] and "KOR" in outputs["duckdb"]
    exported = pd.read_parquet(project / "kor_mirror.parquet")
    assert len(exported) > 0 and set(exported["exporter"]) == {"KOR"}
    assert (exported["period"].astype(str) >= "2026-01-01").all()
    chart = (project / "korea_memory.html").read_text(encoding="utf-8")
    assert "<html" in chart and "South Korea" in chart and "first published" in chart
