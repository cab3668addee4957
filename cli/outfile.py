"""Files the command line writes (`export --out`, `chart --out`): never over the warehouse or into the raw
archive, and always whole.

Until 2026-12 `tradeflow export --out data/tradeflow.db` replaced the SQLite warehouse with a 248-byte CSV
(a symlink to it did the same), and an export stopped half-way left half a file where the old one was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from flows.settings import Settings


class OutputRefused(ValueError):
    """An output path that would overwrite the warehouse or write into the raw archive."""


def _warehouse_files(database_url: str) -> Iterator[Path]:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    database = Path(url.database).resolve()
    yield database
    for suffix in ("-wal", "-shm", "-journal"):
        yield database.with_name(database.name + suffix)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # hard links too
    except OSError:
        return False


EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def export_format(out: Path, asked: str | None) -> str:
    """The format of an export: the one asked for, else the file's extension's; never one that the
    extension contradicts (`--out x.parquet` once wrote CSV into it without a word)."""
    implied = EXPORT_FORMATS.get(out.suffix.lower())
    if asked is None:
        if implied is None:
            raise OutputRefused(
                f"{out}: say --format csv, parquet or json, or end the file's name in .csv, .parquet or .json"
            )
        return implied
    if implied is not None and implied != asked:
        raise OutputRefused(f"{out} ends in {out.suffix} but --format is {asked}: make them agree")
    return asked


def output_target(out: Path, settings: Settings) -> Path:
    """The real file an output path names (symlinks followed), refused where it would hurt the warehouse."""
    target = out.resolve()
    for protected in _warehouse_files(settings.database_url):
        if target == protected or _same_file(target, protected):
            raise OutputRefused(f"{out} is the warehouse itself ({protected}): choose another file")
    archive = (settings.data_dir / "raw").resolve()
    if target == archive or archive in target.parents:
        raise OutputRefused(f"{out} is inside the raw archive ({archive}): choose another folder")
    if target.is_dir():
        raise OutputRefused(f"{out} is a folder: name a file")
    return target


def write_output(out: Path, settings: Settings, write: Callable[[Path], None]) -> Path:
    """Write through a temporary file beside the target, then rename it over the target: a reader sees
    the old file or the new one, never half of one. Returns the file written."""
    target = output_target(out, settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part{target.suffix}")
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
