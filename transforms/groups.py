"""Commodity groups defined through a concordance: which published lines make up a group's figure.

A group such as `semiconductors_mti` is every line a concordance maps into a target code (every HSK line
whose MTI code starts with 831). Publishers publish at several levels: an HS6 line whose HSK lines all
belong to the group counts whole; an HS6 line only partly in it (847330, of which only the memory modules
8473304060 are semiconductors) cannot be counted, and its member lines count only where they are
published themselves. `compose` picks, for one line of figures (a source, reporter, partner, flow), the
codes whose sum is the group's figure without counting anything twice, and says what is missing.

Pure functions; the concordance is a {code: target code} mapping.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConcordanceGroup:
    """`[groups] NAME = { concordance = "hsk_mti_2026", into = ["831"], label = "semiconductor" }`."""

    name: str
    concordance: str
    into: tuple[str, ...]  # target codes (or their leading digits): every line mapped into one is in
    label: str = ""  # how a sentence names it ("semiconductor exports"); the name when empty


class Members:
    """The lines of a concordance, and those of them a group holds, searchable by leading digits."""

    def __init__(self, mapping: dict[str, str], into: Iterable[str]) -> None:
        targets = tuple(into)
        self.universe = sorted(mapping)
        self.members = frozenset(code for code, target in mapping.items() if target.startswith(targets))

    def under(self, code: str) -> list[str]:
        """The concordance's lines that `code` covers (itself, or the longer codes it begins)."""
        start = bisect.bisect_left(self.universe, code)
        end = bisect.bisect_left(self.universe, code + "\uffff")
        return self.universe[start:end]


@dataclass(frozen=True)
class Composition:
    """What a group's figure is made of, for the codes a line has figures for."""

    used: tuple[str, ...]  # codes summed: each wholly in the group, none inside another
    partial: tuple[str, ...]  # codes only partly in the group: never summed
    missing: tuple[str, ...]  # the group's lines no used code covers

    @property
    def complete(self) -> bool:
        return not self.missing


def compose(available: Iterable[str], members: Members) -> Composition:
    """The codes whose figures add up to the group: the coarsest published codes wholly inside it."""
    inside: list[str] = []
    partial: list[str] = []
    for code in sorted(set(available)):
        lines = members.under(code)
        held = [line for line in lines if line in members.members]
        if not held:
            continue  # not in the group at all (or not a code of this concordance, e.g. TOTAL)
        if len(held) == len(lines):
            inside.append(code)
        else:
            partial.append(code)
    # A code inside another one that is used would count twice: keep the coarsest.
    used = [c for c in inside if not any(c != o and c.startswith(o) for o in inside)]
    covered = {line for code in used for line in members.under(code)}
    missing = sorted(members.members - covered)
    return Composition(tuple(used), tuple(partial), tuple(missing))


def fetch_plan(members: Members, level: int = 6) -> list[str]:
    """The codes to ask a publisher for so that a group's figure is complete: each `level`-digit code
    wholly in the group, and the group's own lines under one that is only partly in it (of 847330, the
    memory modules 8473304060 alone)."""
    plan: list[str] = []
    for prefix in sorted({line[:level] for line in members.members}):
        lines = members.under(prefix)
        held = [line for line in lines if line in members.members]
        plan.extend([prefix] if len(held) == len(lines) else held)
    return plan
