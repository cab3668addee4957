"""The raw payload archive: raw/<source>/<YYYY-MM>/<sha256>.<ext>, one manifest per distinct release, and
a log of every fetch.

The manifest (`<release sha256>.release.json`) names the release (source, scope, period, URLs) and its
payload files, so any release can be re-parsed without the network. Payloads and manifests are
content-addressed and written once; the month's fetch log (`fetches.jsonl`, one line appended per fetch)
records each time a release was fetched, so a rebuild replays A, B, A (a publisher that reverted a
revision) in that order and ends on A, as the live warehouse did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from extractors.base import Payload


class DamagedArchive(Exception):
    """An archived file that is not what its name and manifest say (edited, truncated, unreadable)."""


def _write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file of this writer's own, then rename: two processes archiving the same
    release at once (two backfills, two workers on one disk) each rename a whole file, and the last wins
    (a shared temporary name let one rename the other's file away, a FileNotFoundError). A file already
    there with other bytes (damaged since) is replaced by the good copy."""
    if target.exists() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk or an interrupt leaves no half-written file behind
        raise


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

    def payloads(self, fetched_at: dt.datetime | None = None) -> list[Payload]:
        """The release's payloads as fetched (at `fetched_at`, for a later fetch of the same bytes), each
        checked against the digest its name and the manifest give it before anything reads it."""
        payloads = [
            Payload(
                source=self.source,
                content=_verified(self.path.parent / part["file"], part["sha256"], int(part["bytes"])),
                url=part["url"],
                ext=part["ext"],
                period=self.period,
                scope=self.scope,
                fetched_at=fetched_at or self.fetched_at,
                status=int(part.get("status", 200)),
            )
            for part in self.parts
        ]
        if release_sha256(payloads) != self.sha256 or self.path.name != f"{self.sha256}.release.json":
            raise DamagedArchive(f"{self.path}: its payloads do not make the release its name and sha256 say")
        return payloads


def _verified(path: Path, sha256: str, size: int) -> bytes:
    if path.name.split(".", 1)[0] != sha256:
        raise DamagedArchive(
            f"{path}: the manifest gives it sha256 {sha256[:12]}..., not the one its name says"
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise DamagedArchive(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise DamagedArchive(
            f"{path}: {len(content):,} bytes whose sha256 is {actual[:12]}..., not the {sha256[:12]}... of its "
            f"name and manifest ({size:,} bytes archived): edited or truncated since"
        )
    return content


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
    _log_fetch(target, scope, payloads[0].fetched_at)
    return target


FETCH_LOG = "fetches.jsonl"


def _log_fetch(manifest: Path, scope: str, fetched_at: dt.datetime) -> None:
    """Append one line for this fetch. A single write of a short line to a file opened for appending
    lands whole, after every other, even with several processes appending at once."""
    line = json.dumps({"fetched_at": fetched_at.isoformat(), "scope": scope, "manifest": manifest.name})
    fd = os.open(manifest.parent / FETCH_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


_PART_KEYS = {"file": str, "url": str, "ext": str, "sha256": str, "bytes": int}


def read_manifest(path: Path) -> Manifest:
    """A manifest, checked whole: a truncated or edited one is a DamagedArchive naming the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise TypeError("not a JSON object")
        parts = doc["parts"]
        if not isinstance(parts, list) or not parts:
            raise TypeError("'parts' is not a list of payload files")
        for part in parts:
            for key, kind in _PART_KEYS.items():
                if not isinstance(part, dict) or not isinstance(part.get(key), kind):
                    raise KeyError(f"parts[].{key}")
        return Manifest(
            path=path,
            source=str(doc["source"]),
            scope=str(doc["scope"]),
            period=dt.date.fromisoformat(doc["period"]),
            sha256=str(doc["sha256"]),
            fetched_at=dt.datetime.fromisoformat(doc["fetched_at"]),
            parts=parts,
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise DamagedArchive(f"{path}: the manifest cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DamagedArchive(
            f"{path}: the manifest is not whole JSON ({exc.msg} at character {exc.pos})"
        ) from None
    except KeyError as exc:
        raise DamagedArchive(f"{path}: the manifest has no {exc.args[0]!s}") from None
    except (TypeError, ValueError) as exc:
        raise DamagedArchive(f"{path}: the manifest is damaged ({exc})") from None


@dataclass(frozen=True)
class ArchivedFetch:
    """One fetch of an archived release: which release, and when it was fetched. A fetch whose manifest
    is damaged keeps what its folder and the fetch log say (source, month, scope) and the problem."""

    path: Path  # the manifest
    source: str
    scope: str
    period: dt.date
    fetched_at: dt.datetime
    manifest: Manifest | None
    problem: str = ""

    def payloads(self) -> list[Payload]:
        if self.manifest is None:
            raise DamagedArchive(self.problem)
        return self.manifest.payloads(self.fetched_at)


def _fetches_in(folder: Path, source: str, period: dt.date) -> list[ArchivedFetch]:
    """A month folder's fetches, from its log; a manifest the log does not name (archived before the
    log existed) counts once, at its first fetch. A torn last line (a crash mid-append) is skipped."""
    loaded: dict[str, Manifest | DamagedArchive] = {}

    def fetch(name: str, scope: str, when: dt.datetime | None) -> ArchivedFetch:
        if name not in loaded:
            try:
                loaded[name] = read_manifest(folder / name)
            except DamagedArchive as exc:
                loaded[name] = exc
        found = loaded[name]
        if isinstance(found, DamagedArchive):
            stamp = when or dt.datetime.fromtimestamp((folder / name).stat().st_mtime, dt.UTC)
            return ArchivedFetch(folder / name, source, scope or "archive", period, stamp, None, str(found))
        return ArchivedFetch(
            found.path, found.source, found.scope, found.period, when or found.fetched_at, found
        )

    found: list[ArchivedFetch] = []
    log = folder / FETCH_LOG
    if log.is_file():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                when = dt.datetime.fromisoformat(entry["fetched_at"])
                name = str(entry["manifest"])
                scope = str(entry.get("scope", ""))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            if (folder / name).is_file():
                found.append(fetch(name, scope, when))
    for path in sorted(folder.glob("*.release.json")):
        if path.name not in loaded:
            found.append(fetch(path.name, "", None))
    return found


def archived_fetches(data_dir: Path, sources: list[str], start: dt.date, end: dt.date) -> list[ArchivedFetch]:
    """Every fetch of an archived release in a month range, oldest first (so revisions, and reverted
    revisions, replay in the order they happened)."""
    found: list[ArchivedFetch] = []
    for source in sources:
        root = data_dir / "raw" / source
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            try:
                period = dt.date.fromisoformat(f"{folder.name}-01")
            except ValueError:
                continue  # not a month folder: nothing tradeflow archived
            if start <= period <= end:
                found += _fetches_in(folder, source, period)
    return sorted(found, key=attrgetter("fetched_at", "source", "scope", "period"))
