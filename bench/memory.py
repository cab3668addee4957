"""Peak resident memory of this process."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    """The process's own peak RSS (VmHWM), in MiB.

    Not `getrusage().ru_maxrss`: on Linux that survives exec, so a case started by a parent that had
    grown large (bench.run builds the payloads) reported the parent's peak instead of its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is
