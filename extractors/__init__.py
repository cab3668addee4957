"""One module per source. Each turns (source, month, scope) into raw payloads and raw rows.

Extractors never touch the database. The registry below is what the CLI, the flows and the contract
tests iterate over, so a new source is one module plus one line here.
"""

from __future__ import annotations

from extractors.base import Extractor

_REGISTRY: dict[str, Extractor] = {}


def register(extractor: Extractor) -> Extractor:
    _REGISTRY[extractor.source_id] = extractor
    return extractor


def get_extractor(source_id: str) -> Extractor:
    _load_all()
    try:
        return _REGISTRY[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {sorted(_REGISTRY)}") from None


def all_extractors() -> list[Extractor]:
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _load_all() -> None:
    if _REGISTRY:
        return
    from extractors import cn_customs, kr_customs, un_comtrade, us_census

    for module in (un_comtrade, kr_customs, cn_customs, us_census):
        register(module.EXTRACTOR)
