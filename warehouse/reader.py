"""The PostgreSQL role `tradeflow query` reads as: SELECT on the warehouse's tables and views, nothing else.

A read-only transaction is not enough when the warehouse URL is a superuser's (the default here): a SELECT
could still call functions with side effects (create a replication slot, terminate a loader's backend,
read server files, reload the configuration). `SET ROLE` inside the session is not enough either: the
statement can set it back with `set_config('role', ...)`. So a query logs in as a role of its own, which
has no rights beyond reading:

- `tradeflow db upgrade` (migration 0010) creates one such role per warehouse (database and schema),
  `tradeflow_reader_<hash>`, LOGIN, NOSUPERUSER, with a random password, and keeps its name and password in
  `query_reader`, a table only the warehouse's owner can read; every upgrade grants it SELECT on the
  warehouse's tables and views (views are recreated by migrations) and nothing on `query_reader`.
- `tradeflow query` reads that login through the warehouse URL, then connects as the reader.
- Or `TRADEFLOW_QUERY_DATABASE_URL` names a read-only login of the operator's own (for instance where the
  migrator may not create roles); it is used as given.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, text

READER_TABLE = "query_reader"


@dataclass(frozen=True)
class ReaderLogin:
    role: str
    password: str


def reader_role_name(conn: Connection) -> str:
    where = conn.execute(text("SELECT current_database() || '.' || current_schema()")).scalar_one()
    return "tradeflow_reader_" + hashlib.sha256(str(where).encode()).hexdigest()[:12]


def may_create_roles(conn: Connection) -> bool:
    return bool(
        conn.execute(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    )


def create_reader(conn: Connection) -> ReaderLogin | None:
    """Create (or reset) this warehouse's reader role and keep its login; None where the migrator may
    not create roles (then `tradeflow query` needs TRADEFLOW_QUERY_DATABASE_URL)."""
    if not may_create_roles(conn):
        return None
    role = reader_role_name(conn)
    password = secrets.token_urlsafe(24)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    verb = "ALTER" if exists else "CREATE"
    # Role names and passwords cannot be bound parameters; both are made here of [A-Za-z0-9_-] only.
    conn.execute(
        text(
            f"{verb} ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            f" NOINHERIT PASSWORD '{password}'"
        )
    )
    conn.execute(text(f"ALTER ROLE {role} SET default_transaction_read_only = on"))
    conn.execute(text(f"DELETE FROM {READER_TABLE}"))
    conn.execute(
        text(f"INSERT INTO {READER_TABLE} (role, password) VALUES (:r, :p)"), {"r": role, "p": password}
    )
    return ReaderLogin(role, password)


def grant_reader(conn: Connection) -> None:
    """SELECT on every table and view of the warehouse's schema but the reader's own login."""
    login = read_login(conn)
    if login is None:
        return
    role, schema = login.role, _schema(conn)
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
    relations = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p')"
            " AND c.relname <> :private"
        ),
        {"private": READER_TABLE},
    ).scalars()
    for name in relations:
        conn.execute(text(f'GRANT SELECT ON "{name}" TO {role}'))


def _schema(conn: Connection) -> str:
    return '"' + str(conn.execute(text("SELECT current_schema()")).scalar_one()).replace('"', '""') + '"'


def read_login(conn: Connection) -> ReaderLogin | None:
    exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": READER_TABLE}).scalar()
    if not exists:
        return None
    row = conn.execute(text(f"SELECT role, password FROM {READER_TABLE}")).first()
    return ReaderLogin(str(row[0]), str(row[1])) if row else None


def drop_reader(conn: Connection) -> None:
    login = read_login(conn)
    if login is not None and may_create_roles(conn):
        conn.execute(text(f"DROP OWNED BY {login.role}"))
        conn.execute(text(f"DROP ROLE IF EXISTS {login.role}"))
