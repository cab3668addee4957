"""The four data.go.kr services of Korea Customs' preliminary figures, one scope each.

A scope is stored as `<table>:<flow>` (`items:export`, `partners:import`, ...); `parse` also takes the
service's own name, which is how the archive names the files (`getCntyMmUtPrviImpAcrs_202301.xml`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, cast

SOURCE = "kr_customs_flash"
Table = Literal["items", "partners"]
Flow = Literal["export", "import"]

# (table, flow) -> the service's name, under https://apis.data.go.kr/1220000/ (as of 2026-12)
SERVICES: Final[dict[tuple[str, str], str]] = {
    ("items", "export"): "prlstMmUtPrviExpAcrs",
    ("items", "import"): "prlstMmUtPrviImpAcrs",
    ("partners", "export"): "cntyMmUtPrviExpAcrs",
    ("partners", "import"): "cntyMmUtPrviImpAcrs",
}


@dataclass(frozen=True)
class FlashScope:
    table: Table
    flow: Flow

    def __str__(self) -> str:
        return f"{self.table}:{self.flow}"

    @property
    def service(self) -> str:
        return SERVICES[(self.table, self.flow)]

    @property
    def path(self) -> str:
        """The operation's path: `<service>/get<Service>`."""
        return f"{self.service}/get{self.service[0].upper()}{self.service[1:]}"

    @classmethod
    def parse(cls, text: str) -> FlashScope:
        """`items:export` as stored, or a service's name (`cntyMmUtPrviImpAcrs`, `getCntyMmUtPrviImpAcrs`)."""
        table, _, flow = text.partition(":")
        if (table, flow) in SERVICES:
            return cls(cast(Table, table), cast(Flow, flow))
        named = scope_named_in(text)
        if named is None or text.lower().removeprefix("get") != named.service.lower():
            choices = ", ".join(f"{t}:{f}" for t, f in SERVICES)
            raise ValueError(f"not a {SOURCE} scope: {text!r} (one of {choices}, or a service's name)")
        return named


def scope_named_in(name: str) -> FlashScope | None:
    """The service a file name or URL names (any case), or None when it names none."""
    lowered = name.lower()
    found = [key for key, service in SERVICES.items() if service.lower() in lowered]
    if len(found) != 1:
        return None
    table, flow = found[0]
    return FlashScope(cast(Table, table), cast(Flow, flow))
