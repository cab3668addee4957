"""SQLModel tables. Names and columns are the public data contract (see README, "Data contract")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from transforms.schema import TEXT_LIMITS
from warehouse.key import TRADE_FLOW_KEY

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


def _id_column() -> Column[int]:
    return Column(ID_TYPE, primary_key=True, autoincrement=True)


def _ref(target: str, nullable: bool = False) -> Column[int]:
    return Column(ID_TYPE, ForeignKey(target), nullable=nullable)


def _utc_column(nullable: bool = False) -> Column[dt.datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Release(SQLModel, table=True):
    """One fetched (or loaded) payload: where it came from and what it held."""

    __tablename__ = "release"
    __table_args__ = (Index("ix_release_source_scope_period", "source", "scope", "period"),)

    id: int | None = Field(default=None, sa_column=_id_column())
    source: str = Field(max_length=TEXT_LIMITS["source"])
    scope: str = Field(max_length=200)
    period: dt.date
    url: str = Field(max_length=2000)
    fetched_at: dt.datetime = Field(sa_column=_utc_column())
    published_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    sha256: str = Field(max_length=64)
    bytes: int
    rows: int
    raw_path: str | None = Field(default=None, max_length=1000)


class TradeFlow(SQLModel, table=True):
    """One figure: the latest published value, with the first one kept beside it.

    On PostgreSQL the foreign keys below exist only in this model since migration 0003 (the upsert keeps
    them true; checking them per row cost half of a load); SQLite keeps them.
    """

    __tablename__ = "trade_flow"
    __table_args__ = (UniqueConstraint(*TRADE_FLOW_KEY, name="uq_trade_flow_key"),)

    id: int | None = Field(default=None, sa_column=_id_column())
    source: str = Field(max_length=TEXT_LIMITS["source"])
    reporter: str = Field(max_length=TEXT_LIMITS["reporter"])
    partner: str = Field(max_length=TEXT_LIMITS["partner"])
    flow: str = Field(max_length=TEXT_LIMITS["flow"])
    commodity_system: str = Field(max_length=TEXT_LIMITS["commodity_system"])
    commodity_code: str = Field(max_length=TEXT_LIMITS["commodity_code"])
    commodity_name: str = Field(default="", sa_column=Column(Text, nullable=False))
    period: dt.date
    period_months: int
    # 0: the whole months; N: days 1 to N of the month, a running total from the 1st (migration 0013)
    period_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    value: float = Field(sa_column=Column(Double, nullable=False))
    currency: str = Field(max_length=TEXT_LIMITS["currency"])
    valuation: str = Field(default="", max_length=TEXT_LIMITS["valuation"])
    net_weight_kg: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    quantity: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    quantity_unit: str | None = Field(default=None, max_length=TEXT_LIMITS["quantity_unit"])
    provisional: bool = False
    first_value: float = Field(sa_column=Column(Double, nullable=False))
    first_release_id: int = Field(sa_column=_ref("release.id"))
    release_id: int = Field(sa_column=_ref("release.id"))
    first_seen_at: dt.datetime = Field(sa_column=_utc_column())
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    # Hash of key and measures (warehouse.row_hash), for reloads; null for rows stored before 0004.
    row_hash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class TradeFlowRevision(SQLModel, table=True):
    """Append-only: one row each time a stored figure changed."""

    __tablename__ = "trade_flow_revision"
    __table_args__ = (Index("ix_trade_flow_revision_flow", "trade_flow_id"),)

    id: int | None = Field(default=None, sa_column=_id_column())
    trade_flow_id: int = Field(sa_column=_ref("trade_flow.id"))
    old_value: float = Field(sa_column=Column(Double, nullable=False))
    new_value: float = Field(sa_column=Column(Double, nullable=False))
    old_net_weight_kg: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    new_net_weight_kg: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    old_quantity: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    new_quantity: float | None = Field(default=None, sa_column=Column(Double, nullable=True))
    old_provisional: bool
    new_provisional: bool
    # Since migration 0005; NULL on rows written before it.
    old_valuation: str | None = Field(default=None, max_length=3)
    new_valuation: str | None = Field(default=None, max_length=3)
    old_quantity_unit: str | None = Field(default=None, max_length=TEXT_LIMITS["quantity_unit"])
    new_quantity_unit: str | None = Field(default=None, max_length=TEXT_LIMITS["quantity_unit"])
    old_release_id: int = Field(sa_column=_ref("release.id"))
    release_id: int = Field(sa_column=_ref("release.id"))
    revised_at: dt.datetime = Field(sa_column=_utc_column())


class IngestStatus(SQLModel, table=True):
    """The month-by-source grid: what happened the last time each (source, scope, period) was checked."""

    __tablename__ = "ingest_status"

    source: str = Field(primary_key=True, max_length=40)
    scope: str = Field(primary_key=True, max_length=200)
    period: dt.date = Field(primary_key=True)
    state: str = Field(max_length=16)
    last_checked: dt.datetime = Field(sa_column=_utc_column())
    last_changed: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    rows: int = 0
    message: str = Field(default="", max_length=4000)
    release_id: int | None = Field(default=None, sa_column=_ref("release.id", nullable=True))
    # The digest of the last payload loaded (its sha256, or the publisher's digest of what identifies
    # it); named sha256 until migration 0006.
    payload_digest: str | None = Field(default=None, max_length=64)


class FetchClaim(SQLModel, table=True):
    """A release a `watch` run is fetching (since migration 0014): overlapping runs fetch it once."""

    __tablename__ = "fetch_claim"

    source: str = Field(primary_key=True, max_length=40)
    scope: str = Field(primary_key=True, max_length=200)
    period: dt.date = Field(primary_key=True)
    claimed_at: dt.datetime = Field(sa_column=_utc_column())
    holder: str = Field(max_length=100)


class ExchangeRate(SQLModel, table=True):
    """A month's average exchange rate: what one unit of `currency` was worth in US dollars over the month
    starting at `period`, from the rate source `source`. What `mirror_flows` converts non-dollar figures
    with (since migration 0008)."""

    __tablename__ = "exchange_rate"

    currency: str = Field(primary_key=True, max_length=TEXT_LIMITS["currency"])
    period: dt.date = Field(primary_key=True)
    usd_per_unit: float = Field(sa_column=Column(Double, nullable=False))
    source: str = Field(max_length=40)
    fetched_at: dt.datetime = Field(sa_column=_utc_column())


class ExchangeRateRevision(SQLModel, table=True):
    """One change of a stored month's rate (migration 0009): append-only, so a past `mirror_flows` value
    can always be explained."""

    __tablename__ = "exchange_rate_revision"
    __table_args__ = (Index("ix_exchange_rate_revision_key", "currency", "period"),)

    id: int | None = Field(default=None, sa_column=_id_column())
    currency: str = Field(max_length=TEXT_LIMITS["currency"])
    period: dt.date
    old_usd_per_unit: float = Field(sa_column=Column(Double, nullable=False))
    new_usd_per_unit: float = Field(sa_column=Column(Double, nullable=False))
    old_source: str = Field(max_length=40)
    new_source: str = Field(max_length=40)
    old_fetched_at: dt.datetime = Field(sa_column=_utc_column())
    revised_at: dt.datetime = Field(sa_column=_utc_column())
