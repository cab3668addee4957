"""The units a cn_customs month is fetched in: typed values whose text is what the database stores."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.cn_customs.settings import SUPPORTED_TABLES

SOURCE = "cn_customs"


@dataclass(frozen=True)
class GaccScope:
    """One release table in one edition, stored as `table4:USD`."""

    table: str
    edition: str

    def __str__(self) -> str:
        return f"table{self.table}:{self.edition}"

    @classmethod
    def parse(cls, text: str) -> GaccScope:
        table, sep, edition = text.removeprefix("table").partition(":")
        if (
            not text.startswith("table")
            or not sep
            or table not in SUPPORTED_TABLES
            or edition not in ("USD", "CNY")
        ):
            raise ValueError(f"not a {SOURCE} scope: {text!r}")
        return cls(table, edition)
