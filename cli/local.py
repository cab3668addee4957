"""Parsing and loading local release files (no network): the `parse` and `ingest-file` commands."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from extractors import get_publisher
from extractors.base import Payload
from flows.archive import archive_payload
from flows.checks import ReleaseCheck, logged_warnings
from flows.parsing import payload_rows
from transforms.canonical import parse_canonical_csv
from transforms.schema import empty_canonical, validate_canonical
from warehouse.upsert import ReleaseInfo, UpsertResult, upsert_release

CANONICAL = "canonical"


DEFAULT_MAX_BYTES = 1 << 30


class FileTooLarge(OSError):
    """A local file larger than tradeflow takes in one release (TRADEFLOW_INGEST_MAX_BYTES)."""


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused beyond `max_bytes` before they are all read: a device (/dev/zero), a
    pipe or a sparse file of gigabytes is cut off at the limit, not read whole."""
    with path.open("rb") as fh:
        content = fh.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise FileTooLarge(f"{path} is larger than {max_bytes:,} bytes (TRADEFLOW_INGEST_MAX_BYTES)")
    return content


def payload_from_file(
    source: str, path: Path, max_bytes: int = DEFAULT_MAX_BYTES, scope: str = ""
) -> Payload:
    """A local file as the payload it was. `scope` says what it answers, for a publisher whose answers
    do not say (checked against the publisher's scopes); empty, the publisher reads it from the file."""
    if scope and source != CANONICAL:
        scope = str(get_publisher(source).scope(scope))  # ValueError naming the publisher's scopes
    content = read_bounded(path, max_bytes)
    ext = path.suffix.lstrip(".").lower() or "bin"
    return Payload(source=source, content=content, url=path.resolve().as_uri(), ext=ext, scope=scope)


def canonical_rows(source: str, payload: Payload) -> pd.DataFrame:
    """Payload -> validated canonical rows, for any registered source or the canonical CSV."""
    if source == CANONICAL:
        return parse_canonical_csv(payload.content, payload.url)
    return payload_rows(get_publisher(source), payload)


def parse_files(
    source: str, paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES, scope: str = ""
) -> pd.DataFrame:
    frames = [canonical_rows(source, payload_from_file(source, p, max_bytes, scope)) for p in paths]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_canonical()
    return validate_canonical(pd.concat(frames, ignore_index=True))


@dataclass(frozen=True)
class FileLoad:
    path: Path
    result: UpsertResult | None  # None: the file holds no figures, and nothing was written


def ingest_file(
    engine: Engine,
    data_dir: Path,
    source: str,
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    scope: str = "",
) -> FileLoad:
    """Parse, archive and upsert one local file as one release, with its lineage. A file with no figures
    (a header-only CSV) writes nothing at all."""
    payload = payload_from_file(source, path, max_bytes, scope)
    with logged_warnings() as warnings:
        rows = canonical_rows(source, payload)
    if rows.empty:
        return FileLoad(path=path, result=None)
    # The release is filed under the latest month it covers (a March page also carries January-March).
    period = max(rows["period"])
    archived = archive_payload(data_dir, payload, period)
    info = ReleaseInfo(
        source=source,
        scope=f"file:{path.name}"[:200],
        period=period,
        url=payload.url,
        sha256=hashlib.sha256(payload.content).hexdigest(),
        bytes=len(payload.content),
        fetched_at=payload.fetched_at,
        raw_path=str(archived),
    )
    checks = ReleaseCheck(rows, warnings)
    return FileLoad(path=path, result=upsert_release(engine, rows, info, checks=checks))
