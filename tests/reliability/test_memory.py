"""Every parse is bounded in memory and time whatever the payload's shape (docs/reliability.md, "Bounded
parsing"): rows by the hundred thousand, one huge value, nesting hundreds of thousands deep. Each payload
is parsed in a fresh process (tests/reliability/memory_probe.py) that reports its peak memory.

The bound: a parse peaks below 16 times the payload's size plus 64 MiB. GACC's HTML takes up to 200 times
its size (BeautifulSoup's tree), so its pages are refused unread beyond 512 KiB (release pages are 40-80
KB), and a GACC parse stays under 160 MiB.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.reliability.memory_probe import SHAPES

MIB = 2**20
SIZE_MIB = {"cn_customs": 0.49}  # just under GACC's page limit; the others 8 MiB
GACC_LIMIT = 160 * MIB  # 512 KiB of HTML at most


def _probe(source: str, shape: str, mib: float) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.memory_probe", source, shape, str(mib)],
        capture_output=True,
        text=True,
        timeout=120,  # a bound, not a benchmark: the slowest shape takes about 10 s on two cores
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(("source", "shape"), sorted(SHAPES))
def test_a_parse_is_bounded_in_memory_whatever_the_shape(source: str, shape: str) -> None:
    result = _probe(source, shape, SIZE_MIB.get(source, 8))
    size, peak, outcome = int(str(result["bytes"])), int(str(result["peak_bytes"])), str(result["outcome"])
    # Read, or refused with a documented error: never a RecursionError, MemoryError or another surprise.
    assert outcome.endswith("rows") or outcome.startswith("extractors.errors."), outcome
    limit = GACC_LIMIT if source == "cn_customs" else 16 * size + 64 * MIB
    assert peak < limit, f"{source} {shape}: {peak / MIB:.0f} MiB for {size / MIB:.1f} MiB ({outcome})"


def test_a_gacc_page_over_its_limit_is_refused_unread() -> None:
    result = _probe("cn_customs", "rows", 0.6)
    outcome = str(result["outcome"])
    assert "ParseError" in outcome and "release pages are under 524,288" in outcome, outcome
    assert int(str(result["peak_bytes"])) < 16 * MIB
