"""Korea's HSK (10-digit) to MTI (6-digit) concordance of 2026, shipped in `hsk_mti_2026.csv`, and its refresh.

MTI codes are the Ministry of Trade's industry classification: they are what Korea's trade news counts
("semiconductor exports" are MTI 831, which is not HS 8541 + 8542: it adds doped wafers under 3818, smart
cards under 8523 and memory modules under 8473, and leaves out solar cells and modules, 854143). The
Korea International Trade Association publishes the concordance every year as a workbook (as of 2026-05:
`2026_MTIHSK_연계표_vFF_260507.xlsx`, sheet "HSK-MTI 연계표", 11,327 HSK lines).

Refresh (when KITA publishes a new one): save the sheet as tab-separated text (HSK, MTI, industry name;
lines starting with `#` are skipped) and run

    python -m extractors.kr_customs.hsk_mti SHEET.tsv

It rewrites the CSV and prints every line added, removed or moved to another MTI code, to be read before
committing. A new year's concordance is a new table and a new entry point (`hsk_mti_2027`): figures of a
year are grouped with that year's concordance.
"""

from __future__ import annotations

import csv
import functools
import re
import sys
from pathlib import Path
from typing import Final

from extractors.base import Concordance

TABLE: Final[Path] = Path(__file__).with_name("hsk_mti_2026.csv")
COLUMNS: Final[tuple[str, str]] = ("hsk", "mti")
_HSK: Final = re.compile(r"\d{10}")
_MTI: Final = re.compile(r"\d{6}")


class ConcordanceFileError(ValueError):
    """A concordance sheet (or the shipped table) that cannot be read as one."""


def parse_sheet(text: str, where: str = "sheet") -> dict[str, str]:
    """KITA's sheet as tab-separated text -> {HSK: MTI}. Every line that is not a comment, an empty line or
    the sheet's header row (first cell not a number) is a row."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not mapping and not cells[0][:1].isdigit():
            continue  # the header row ("HSK", "MTI", ...)
        if len(cells) < 2 or not _HSK.fullmatch(cells[0]) or not _MTI.fullmatch(cells[1]):
            raise ConcordanceFileError(
                f"{where} line {number} is not 'HSK (10 digits) <tab> MTI (6 digits)': {line!r}"
            )
        if cells[0] in mapping:
            raise ConcordanceFileError(f"{where} line {number}: HSK {cells[0]} appears twice")
        mapping[cells[0]] = cells[1]
    if not mapping:
        raise ConcordanceFileError(f"{where}: no HSK line in it")
    return mapping


def read_table(path: Path = TABLE) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise ConcordanceFileError(f"{path}: the header is not {','.join(COLUMNS)}")
    return parse_sheet("\n".join("\t".join(r) for r in rows[1:]), str(path))


def write_table(mapping: dict[str, str], path: Path = TABLE) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(COLUMNS)
        out.writerows(sorted(mapping.items()))


def changes(new: dict[str, str], current: dict[str, str]) -> list[str]:
    """What a refresh changes, one line each."""
    said = [f"added   {hsk} -> {mti}" for hsk, mti in sorted(new.items()) if hsk not in current]
    said += [
        f"moved   {hsk}: {current[hsk]} -> {mti}"
        for hsk, mti in sorted(new.items())
        if current.get(hsk, mti) != mti
    ]
    said += [f"removed {hsk} ({mti})" for hsk, mti in sorted(current.items()) if hsk not in new]
    return said


@functools.cache
def _mapping() -> dict[str, str]:
    return read_table(TABLE)


CONCORDANCE = Concordance(
    id="hsk_mti_2026",
    title="Korea's HSK to MTI concordance of 2026 (KITA)",
    code_system="HSK",
    target_system="MTI",
    read=_mapping,
    table=TABLE,
)


USAGE = """usage: python -m extractors.kr_customs.hsk_mti [--force] SHEET.tsv

SHEET.tsv: KITA's "HSK-MTI" sheet saved as tab-separated text (UTF-8 or Excel's UTF-16 "Unicode text"):
HSK (10 digits), MTI (6 digits), industry name. Rewrites extractors/kr_customs/hsk_mti_2026.csv and says
what changed. A sheet with fewer than 90% of the table's lines is refused without --force."""


def read_sheet(path: Path) -> str:
    """The sheet's text: UTF-16 when it starts with a UTF-16 byte order mark (Excel), else UTF-8."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConcordanceFileError(f"{path}: not UTF-8 or UTF-16 text (byte {exc.start})") from None


def main(argv: list[str]) -> int:
    force = "--force" in argv
    files = [a for a in argv if a != "--force"]
    if len(files) != 1 or files[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        new = parse_sheet(read_sheet(Path(files[0])), files[0])
        current = read_table(TABLE) if TABLE.exists() else {}
    except (OSError, ConcordanceFileError) as exc:
        print(f"hsk_mti: {exc}", file=sys.stderr)
        return 2
    if current and len(new) < 0.9 * len(current) and not force:
        print(
            f"hsk_mti: {files[0]} has {len(new)} HSK lines, the table {len(current)}: not a whole sheet? "
            "Nothing written (--force writes it)",
            file=sys.stderr,
        )
        return 2
    write_table(new, TABLE)
    said = changes(new, current)
    print(f"{TABLE}: {len(new)} HSK lines; {len(said)} changed")
    for line in said[:50]:
        print(line)
    if len(said) > 50:
        print(f"... and {len(said) - 50} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
