"""`backfill --offline` never trusts the raw archive blindly: every payload is checked against the digest
its name and manifest give it before it is parsed; a damaged payload or manifest fails that release with
one line naming the file, and the rebuild goes on with the others and exits 1.

Until 2026-12 an archived payload edited by hand or truncated was reloaded with exit 0, one truncated
manifest aborted the whole rebuild with a JSON error naming no file, and a manifest missing a key was a
KeyError traceback (issue 26, item 6).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from demo.replay import DEFAULT_ROOT
from extractors import get_publisher
from extractors.base import Payload
from flows.archive import archive_release, month_dir
from tests.helpers import count, run_cli, table_rows
from warehouse.engine import create_warehouse_engine

ROOT = Path(__file__).resolve().parents[2]

RELEASES = [  # (source, scope, month, file under demo/releases)
    ("kr_customs", "nitemtrade:8542:CN", "2026-08", "kr_customs/nitemtrade_8542_CN_202608.xml"),
    ("kr_customs", "nitemtrade:8542:CN", "2026-09", "kr_customs/nitemtrade_8542_CN_202609.xml"),
    ("kr_customs", "nitemtrade:8542:CN", "2026-10", "kr_customs/nitemtrade_8542_CN_202610.xml"),
    ("eurostat_comext", "reporter=EUU", "2026-08", "eurostat_comext/EU27_2020_2026-08.csv"),
    ("eurostat_comext", "reporter=EUU", "2026-09", "eurostat_comext/EU27_2020_2026-09.csv"),
]
FETCHED = dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)


def _archive(data_dir: Path) -> dict[tuple[str, str], Path]:
    """The five releases archived as a nightly archives them; their manifests by (source, month)."""
    manifests = {}
    for source, scope, month, name in RELEASES:
        period = dt.date.fromisoformat(f"{month}-01")
        body = (DEFAULT_ROOT / name).read_bytes()
        payload = Payload(
            source, body, f"https://publisher.example/{name}", name.rsplit(".", 1)[1], period, scope, FETCHED
        )
        manifests[source, month] = archive_release(data_dir, source, scope, period, [payload])
    return manifests


def _payload_file(manifest: Path) -> Path:
    (part,) = json.loads(manifest.read_text(encoding="utf-8"))["parts"]
    return manifest.parent / part["file"]


def _edit(manifest: Path) -> str:
    path = _payload_file(manifest)
    body = path.read_bytes()
    digit = next(i for i, b in enumerate(body) if chr(b).isdigit() and i > len(body) // 2)
    path.write_bytes(body[:digit] + (b"7" if body[digit : digit + 1] != b"7" else b"3") + body[digit + 1 :])
    return path.name


def _truncate(manifest: Path) -> str:
    path = _payload_file(manifest)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path.name


def _truncate_manifest(manifest: Path) -> str:
    manifest.write_bytes(manifest.read_bytes()[:60])
    return manifest.name


def _drop_key(manifest: Path) -> str:
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    del doc["parts"][0]["sha256"]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    return manifest.name


def _drop_period(manifest: Path) -> str:
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    del doc["period"]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    return manifest.name


DAMAGE: dict[str, Callable[[Path], str]] = {
    "payload edited by hand": _edit,
    "payload truncated": _truncate,
    "manifest truncated": _truncate_manifest,
    "manifest missing a part's sha256": _drop_key,
    "manifest missing its period": _drop_period,
}


def _rebuild(env: dict[str, str]) -> tuple[int, str, str]:
    done = run_cli(
        env, "backfill", "--offline", "--start", "2026-08", "--end", "2026-10",
        "--source", "kr_customs", "--source", "eurostat_comext",
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty warehouse on the same database kind as `db_url`."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'rebuilt.db'}"
    make: Callable[[], str] = request.getfixturevalue("postgres_schemas")
    return make()


def _expected() -> set[tuple[object, ...]]:
    """The figures of the five releases, each parsed on its own in this process."""
    out: set[tuple[object, ...]] = set()
    for source, scope, month, name in RELEASES:
        publisher = get_publisher(source)
        period = dt.date.fromisoformat(f"{month}-01")
        payload = Payload(source, (DEFAULT_ROOT / name).read_bytes(), name, "x", period, scope, FETCHED)
        rows = publisher.normalize(publisher.parse(payload))
        out |= {(r.source, r.commodity_code, r.partner, r.flow, str(r.period)[:7]) for r in rows.itertuples()}
    return out


def _figures(url: str) -> set[tuple[object, ...]]:
    engine = create_warehouse_engine(url)
    try:
        rows = table_rows(engine, "trade_flow")
    finally:
        engine.dispose()
    return {(r["source"], r["commodity_code"], r["partner"], r["flow"], str(r["period"])[:7]) for r in rows}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_archive_fails_that_release_alone_naming_the_file(
    damage: str, fresh_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    manifests = _archive(data_dir)
    env = {
        "TRADEFLOW_DATABASE_URL": fresh_url,
        "TRADEFLOW_DATA_DIR": str(data_dir),
        "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
        "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "unused-offline",
    }
    everything = _expected()
    damaged = {f for f in everything if f[0] == "kr_customs" and f[4] == "2026-09"}
    assert damaged

    named = DAMAGE[damage](manifests["kr_customs", "2026-09"])
    status, out, err = _rebuild(env)

    assert status == 1, (out, err)
    assert "Traceback" not in err + out
    failed = [line for line in err.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "FAILED kr_customs 2026-09" in failed[0], err
    assert "archive damaged, not loaded" in failed[0] and named in failed[0], failed
    assert _figures(fresh_url) == everything - damaged  # the four good releases, nothing of the damaged one
    engine = create_warehouse_engine(fresh_url)
    try:
        assert count(engine, "release") == 4
        cells = [
            c for c in table_rows(engine, "ingest_status", order="source, period") if c["state"] != "loaded"
        ]
        assert [(c["source"], str(c["period"])[:7], c["state"]) for c in cells] == [
            ("kr_customs", "2026-09", "failed")
        ]
        assert named in str(cells[0]["message"])
    finally:
        engine.dispose()


def test_a_damaged_payload_is_replaced_when_the_same_bytes_are_fetched_again(tmp_path: Path) -> None:
    manifests = _archive(tmp_path)
    path = _payload_file(manifests["kr_customs", "2026-09"])
    good = path.read_bytes()
    _truncate(manifests["kr_customs", "2026-09"])
    _archive(tmp_path)
    assert path.read_bytes() == good
    assert not list(month_dir(tmp_path, "kr_customs", dt.date(2026, 9, 1)).glob("*.part"))


@pytest.mark.parametrize("change", ["a part left out", "the parts reordered"])
def test_a_manifest_whose_parts_do_not_make_its_release_is_damaged(tmp_path: Path, change: str) -> None:
    """Each file can still match its own digest while the manifest lists the wrong set of them (a part
    dropped would reload half a release): the parts must make the release the manifest is named for."""
    from flows.archive import DamagedArchive, archived_fetches

    period = dt.date(2026, 9, 1)
    body = (DEFAULT_ROOT / "kr_customs/nitemtrade_8542_CN_202609.xml").read_bytes()
    parts = [
        Payload("kr_customs", body, "https://publisher.example/a", "xml", period, "split", FETCHED),
        Payload("kr_customs", body.replace(b"854232", b"854231"), "https://publisher.example/b", "xml", period, "split", FETCHED),
    ]  # fmt: skip
    manifest = archive_release(tmp_path, "kr_customs", "split", period, parts)
    (fetch,) = archived_fetches(tmp_path, ["kr_customs"], period, period)
    assert [p.content for p in fetch.payloads()] == [p.content for p in parts]
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["parts"] = doc["parts"][:1] if change == "a part left out" else doc["parts"][::-1]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    (fetch,) = archived_fetches(tmp_path, ["kr_customs"], period, period)
    with pytest.raises(DamagedArchive, match="do not make the release its name and sha256 say"):
        fetch.payloads()
