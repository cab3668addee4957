"""The raw payload archive: raw/<source>/<YYYY-MM>/<sha256>.<ext>, plus one manifest per fetched release.

The manifest (`<release sha256>.release.json`) names the release (source, scope, period, URLs) and its
payload files, so any release can be re-parsed, or the whole warehouse rebuilt, without the network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.base import Payload


def _write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file of this writer's own, then rename: two processes archiving the same
    release at once (two backfills, two workers on one disk) each rename a whole file, and the last wins
    (a shared temporary name let one rename the other's file away, a FileNotFoundError)."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")
    tmp.write_bytes(data)
    tmp.replace(target)


def month_dir(data_dir: Path, source: str, period: dt.date) -> Path:
    return data_dir / "raw" / source / period.strftime("%Y-%m")


def archive_payload(data_dir: Path, payload: Payload, period: dt.date) -> Path:
    """Store one payload's bytes, content-addressed and idempotent."""
    target = month_dir(data_dir, payload.source, period) / f"{payload.sha256}.{payload.ext}"
    _write_atomic(target, payload.content)
    return target


def release_sha256(payloads: list[Payload]) -> str:
    """One payload: its own sha256. Several (a split request): the sha256 of their sha256s in order."""
    if len(payloads) == 1:
        return payloads[0].sha256
    return hashlib.sha256("".join(p.sha256 for p in payloads).encode()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    path: Path
    source: str
    scope: str
    period: dt.date
    sha256: str
    fetched_at: dt.datetime
    parts: list[dict[str, Any]]

    def payloads(self) -> list[Payload]:
        return [
            Payload(
                source=self.source,
                content=(self.path.parent / part["file"]).read_bytes(),
                url=part["url"],
                ext=part["ext"],
                period=self.period,
                scope=self.scope,
                fetched_at=self.fetched_at,
                status=int(part.get("status", 200)),
            )
            for part in self.parts
        ]


def archive_release(
    data_dir: Path, source: str, scope: str, period: dt.date, payloads: list[Payload]
) -> Path:
    """Archive every payload of a release and write its manifest; returns the manifest path."""
    parts = []
    for p in payloads:
        path = archive_payload(data_dir, p, period)
        parts.append(
            {
                "file": path.name,
                "url": p.url,
                "ext": p.ext,
                "sha256": p.sha256,
                "bytes": len(p.content),
                "status": p.status,
            }
        )
    sha = release_sha256(payloads)
    doc = {
        "source": source,
        "scope": scope,
        "period": period.isoformat(),
        "sha256": sha,
        "fetched_at": payloads[0].fetched_at.isoformat(),
        "parts": parts,
    }
    target = month_dir(data_dir, source, period) / f"{sha}.release.json"
    _write_atomic(target, json.dumps(doc, indent=1).encode())
    return target


def read_manifest(path: Path) -> Manifest:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(
        path=path,
        source=doc["source"],
        scope=doc["scope"],
        period=dt.date.fromisoformat(doc["period"]),
        sha256=doc["sha256"],
        fetched_at=dt.datetime.fromisoformat(doc["fetched_at"]),
        parts=doc["parts"],
    )


def manifests(data_dir: Path, sources: list[str], start: dt.date, end: dt.date) -> list[Manifest]:
    """Archived releases in a month range, oldest fetch first (so revisions replay in order)."""
    found: list[Manifest] = []
    for source in sources:
        root = data_dir / "raw" / source
        if not root.is_dir():
            continue
        for path in root.glob("*/*.release.json"):
            manifest = read_manifest(path)
            if start <= manifest.period <= end:
                found.append(manifest)
    return sorted(found, key=lambda m: (m.fetched_at, m.source, m.scope, m.period))
