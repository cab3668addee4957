"""The units a un_comtrade month is fetched in: typed values whose text is what the database stores."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "un_comtrade"


@dataclass(frozen=True)
class ReporterScope:
    """One reporter's month (every watched partner and commodity), stored as `reporter=KOR`."""

    reporter: str

    def __str__(self) -> str:
        return f"reporter={self.reporter}"

    @classmethod
    def parse(cls, text: str) -> ReporterScope:
        name, sep, reporter = text.partition("=")
        if name != "reporter" or not sep or not reporter:
            raise ValueError(f"not a {SOURCE} scope: {text!r}")
        return cls(reporter)
