"""The Census Schedule C country code table shipped in `schedule_c.csv`, and its refresh.

Schedule C is the Census Bureau's list of the country codes its trade statistics use (`CTY_CODE` in the
API). The table holds, per code: the name, the ISO 3166 alpha-2 code Census gives it (or Census's own
two letters where ISO has none), and the kind of row: `country`, or `total`/`group` for the API's rows
over several countries, which the Schedule C listing itself does not carry.

Refresh (when Census publishes a new listing): save the text listing "Schedule C - Country List (by
code)" from census.gov/foreign-trade/schedules/c/ and run

    python -m extractors.us_census.schedule_c LISTING.txt

It rewrites the CSV (total and group rows kept) and prints every code added, removed or changed, to be
read before committing. As of the 27JAN21 listing: 240 codes; the one name longer than the listing's name
column (7660) runs into the ISO column and is kept from the table.
"""

from __future__ import annotations

import csv
import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, get_args

TABLE: Final[Path] = Path(__file__).with_name("schedule_c.csv")
COLUMNS: Final[tuple[str, ...]] = ("code", "name", "iso_alpha2", "kind")

Kind = Literal["country", "total", "group"]
KINDS: Final[frozenset[str]] = frozenset(get_args(Kind))

# A listing row: four digits, "|", the name (padded to the column's width), "|", two letters.
_LISTING_ROW: Final = re.compile(r"^(?P<code>\d{4})\s*\|(?P<name>.*)(?P<iso>[A-Z]{2})\s*$")


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    iso_alpha2: str
    kind: Kind


class ListingError(ValueError):
    """A Schedule C listing (or the shipped table) that cannot be read as one."""


def parse_listing(text: str) -> list[Entry]:
    """Census's text listing -> country entries, in the listing's order."""
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not re.match(r"^\d{4}\b", line):
            continue
        match = _LISTING_ROW.match(line)
        if match is None:
            raise ListingError(f"Schedule C listing line {number} is not 'code | name | ISO': {line!r}")
        raw_name = match["name"].rstrip()
        # A name longer than its column runs over it: the separator and the ISO code overwrite its end.
        overflowed = not raw_name.endswith("|")
        name = raw_name.split("|")[0].strip() + ("\u2026" if overflowed else "")
        entries.append(Entry(match["code"], name, match["iso"], "country"))
    if not entries:
        raise ListingError("no 'code | name | ISO' row found: not a Schedule C country listing")
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        raise ListingError(f"codes listed twice: {sorted({c for c in codes if codes.count(c) > 1})}")
    return entries


def read_table(path: Path = TABLE) -> list[Entry]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ListingError(f"{path}: columns {reader.fieldnames}, expected {list(COLUMNS)}")
        entries = []
        for row in reader:
            if row["kind"] not in KINDS:
                raise ListingError(f"{path}: code {row['code']!r} has kind {row['kind']!r}")
            entries.append(Entry(row["code"], row["name"], row["iso_alpha2"], row["kind"]))  # type: ignore[arg-type]
    return entries


def write_table(entries: list[Entry], path: Path = TABLE) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows((e.code, e.name, e.iso_alpha2, e.kind) for e in entries)


@functools.cache
def entries_by_code() -> dict[str, Entry]:
    return {e.code: e for e in read_table()}


def refresh(listed: list[Entry], current: list[Entry]) -> tuple[list[Entry], list[str]]:
    """The new table (current total/group rows, then the listing) and what changed, one line each."""
    known = {e.code: e for e in current}
    table = [e for e in current if e.kind != "country"]
    changes: list[str] = []
    for entry in listed:
        old = known.get(entry.code)
        if entry.name.endswith("\u2026") and old is not None and old.name.startswith(entry.name[:-1]):
            entry = Entry(entry.code, old.name, entry.iso_alpha2, entry.kind)
        if old is None:
            changes.append(f"added   {entry.code} {entry.name} ({entry.iso_alpha2})")
        elif old != entry:
            changes.append(
                f"changed {entry.code}: {old.name} ({old.iso_alpha2}) -> {entry.name} ({entry.iso_alpha2})"
            )
        table.append(entry)
    listed_codes = {e.code for e in listed}
    changes += [
        f"removed {e.code} {e.name} ({e.iso_alpha2})"
        for e in current
        if e.kind == "country" and e.code not in listed_codes
    ]
    return table, changes


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m extractors.us_census.schedule_c LISTING.txt", file=sys.stderr)
        return 2
    listed = parse_listing(Path(argv[0]).read_text(encoding="utf-8", errors="replace"))
    table, changes = refresh(listed, read_table(TABLE))
    write_table(table, TABLE)
    print(f"{TABLE}: {len(listed)} countries from the listing")
    print("\n".join(changes) if changes else "no change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
