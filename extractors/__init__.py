"""The publisher registry: every object registered under the entry-point group `tradeflow.publishers`.

Built-in publishers register in pyproject.toml exactly as a publisher from another distribution would,
so `pip install tradeflow-someone` adds one with no edit here. Names come from the installed metadata
without importing anything; a publisher is imported the first time it is asked for.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractors.base import Concordance, Publisher

ENTRY_POINT_GROUP = "tradeflow.publishers"


class RegistryError(Exception):
    """A registered publisher cannot be loaded or does not keep the contract."""


@cache
def registered(group: str) -> dict[str, EntryPoint]:
    """The entry points of `group` by name, sorted; nothing is imported."""
    return {ep.name: ep for ep in sorted(entry_points(group=group), key=lambda e: e.name)}


def _entry_points() -> dict[str, EntryPoint]:
    return registered(ENTRY_POINT_GROUP)


def publisher_ids() -> list[str]:
    """Every registered publisher's id, sorted; nothing is imported."""
    return list(_entry_points())


@cache
def get_publisher(source: str) -> Publisher[Any]:
    from extractors.base import Publisher

    publisher: Publisher[Any] = load_registered(
        _entry_points(), source, Publisher, "publisher", "extractors/base.py"
    )
    return publisher


def load_registered(points: dict[str, EntryPoint], source: str, contract: type, kind: str, where: str) -> Any:
    """The object registered as `source`, checked against its contract (a runtime-checkable Protocol)."""
    if source not in points:
        raise KeyError(f"unknown {kind} {source!r}; known: {sorted(points)}")
    point = points[source]
    try:
        loaded = point.load()
    except Exception as exc:
        raise RegistryError(f"{kind} {source!r} ({point.value}) cannot be loaded: {exc}") from exc
    if not isinstance(loaded, contract):
        raise RegistryError(f"{point.value} does not keep the {contract.__name__} contract ({where})")
    said = getattr(loaded, "id", None)
    if said != source:
        raise RegistryError(f"{point.value} says its id is {said!r}, registered as {source!r}")
    return loaded


CONCORDANCE_GROUP = "tradeflow.concordances"


def concordance_ids() -> list[str]:
    """Every registered concordance's id, sorted; nothing is imported."""
    return list(registered(CONCORDANCE_GROUP))


@cache
def get_concordance(concordance: str) -> Concordance:
    from extractors.base import Concordance

    found: Concordance = load_registered(
        registered(CONCORDANCE_GROUP), concordance, Concordance, "concordance", "extractors/base.py"
    )
    return found


def all_publishers() -> list[Publisher[Any]]:
    return [get_publisher(source) for source in publisher_ids()]


def reload_registry() -> None:
    """Forget what was found (a distribution was installed or removed since: tests do that)."""
    registered.cache_clear()
    get_publisher.cache_clear()
    get_concordance.cache_clear()
