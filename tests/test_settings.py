"""Mistakes in the settings are refused at start: exit 2 and one line naming the setting and what it
accepts, before anything is fetched or written. Each case is a real mistake a person makes."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import publisher_ids
from flows.settings import SettingsError
from tests.conftest import IN_CI
from tests.helpers import empty_config

TOML_MISTAKES = {
    "misspelt section": ('[watchlist.kr_custom]\nreporters = ["KOR"]\n', "unknown source(s) ['kr_custom']"),
    "misspelt key": ('[watchlist.kr_customs]\npartner = ["CHN"]\n', "[watchlist.kr_customs] partner"),
    "unknown top-level key": ('databse_url = "sqlite:///x.db"\n', "databse_url"),
    "month 13": (
        '[watchlist.kr_customs]\nfirst_month = "2026-13"\n',
        "first_month: Value error, not a month: '2026-13'",
    ),
    "empty watchlist": (
        "[watchlist.un_comtrade]\nreporters = []\n",
        "[watchlist.un_comtrade] has nothing to fetch",
    ),
    "GACC edition": ('[watchlist.cn_customs]\nedition = "EUR"\n', "[watchlist.cn_customs] edition"),
    "GACC table": ('[watchlist.cn_customs]\ntables = ["4", "99"]\n', "unsupported table(s) ['99']"),
    "Census basis": (
        '[watchlist.us_census]\nimports_basis = "total"\n',
        "[watchlist.us_census] imports_basis",
    ),
}
ENV_MISTAKES = {
    "no source": ({"TRADEFLOW_SOURCES": ""}, "no source enabled"),
    "unknown source": ({"TRADEFLOW_SOURCES": "kr_customs,gacc"}, "unknown source id(s) ['gacc']"),
    "negative timeout": (
        {"TRADEFLOW_HTTP_READ_TIMEOUT_S": "-1"},
        "http_read_timeout_s (TRADEFLOW_HTTP_READ_TIMEOUT_S)",
    ),
    "not a URL": ({"TRADEFLOW_DATABASE_URL": "nonsense"}, "not a database URL: 'nonsense'"),
    "port": ({"TRADEFLOW_DATABASE_URL": "postgresql+psycopg://u@h:notaport/db"}, "not a database URL"),
    "mysql": ({"TRADEFLOW_DATABASE_URL": "mysql://u@h/db"}, "'mysql' is not supported"),
    "base URL": (
        {"TRADEFLOW_KR_CUSTOMS_BASE_URL": "apis.data.go.kr"},
        "base_url: Value error, must be an http",
    ),
    "timezone": ({"TRADEFLOW_NIGHTLY_TIMEZONE": "Seoul"}, "not a timezone: 'Seoul'"),
    # A password never reaches the line that refuses its URL (it was printed whole).
    "port, with a password": (
        {"TRADEFLOW_DATABASE_URL": "postgresql+psycopg://bob:hunter2@h:notaport/db"},
        "not a database URL: 'postgresql+psycopg://bob:***@h:notaport/db'",
    ),
    "no database, with a password": (
        {"TRADEFLOW_DATABASE_URL": "postgresql+psycopg://bob:hunter2@h"},
        "no database name in 'postgresql+psycopg://bob:***@h'",
    ),
    "base URL, with a password": (
        {"TRADEFLOW_KR_CUSTOMS_BASE_URL": "ftp://bob:hunter2@apis.data.go.kr"},
        "must be an http:// or https:// URL, not 'ftp://bob:***@apis.data.go.kr'",
    ),
    "rate source": (
        {"TRADEFLOW_RATES_SOURCE": "ecb"},
        "rates_source (TRADEFLOW_RATES_SOURCE): unknown exchange-rate source 'ecb'; known: ['ecb_exr']",
    ),
    "rates URL": (
        {"TRADEFLOW_RATES_BASE_URL": "data-api.ecb.europa.eu"},
        "rates_base_url (TRADEFLOW_RATES_BASE_URL): must be an http",
    ),
}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _base(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEFLOW_")}
    return {
        **env,
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "TRADEFLOW_DATA_DIR": str(tmp_path),
    }


def _refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tradeflow: invalid settings: ") and expected in lines[0], lines[0]


@pytest.mark.parametrize("mistake", list(TOML_MISTAKES))
def test_a_mistake_in_tradeflow_toml_is_refused_at_start(mistake: str, tmp_path: Path) -> None:
    text, expected = TOML_MISTAKES[mistake]
    config = tmp_path / "tradeflow.toml"
    config.write_text(text, encoding="utf-8")
    for command in (["sources"], ["nightly"]):
        _refused(_run({**_base(tmp_path), "TRADEFLOW_CONFIG": str(config)}, *command), expected)
    assert not (tmp_path / "w.db").exists() and not (tmp_path / "raw").exists()


@pytest.mark.parametrize("mistake", list(ENV_MISTAKES))
def test_a_mistake_in_the_environment_is_refused_at_start(mistake: str, tmp_path: Path) -> None:
    variables, expected = ENV_MISTAKES[mistake]
    env = {**_base(tmp_path), "TRADEFLOW_CONFIG": empty_config(tmp_path), **variables}
    result = _run(env, "status")
    _refused(result, expected)
    assert "hunter2" not in result.stdout + result.stderr


def test_a_config_file_that_is_not_there_is_refused(tmp_path: Path) -> None:
    env = {**_base(tmp_path), "TRADEFLOW_CONFIG": str(tmp_path / "nowhere.toml")}
    _refused(_run(env, "sources"), f"TRADEFLOW_CONFIG={tmp_path / 'nowhere.toml'}: no such file")


def test_a_warehouse_migrated_by_a_newer_tradeflow_says_to_upgrade(tmp_path: Path) -> None:
    env = {**_base(tmp_path), "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    assert _run(env, "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "w.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    for command in (["status"], ["nightly"], ["db", "upgrade"]):
        result = _run(env, *command)
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert "at migration 0099_from_the_future, newer than this tradeflow knows" in line
        assert line.endswith("upgrade tradeflow")


def test_a_warehouse_in_a_read_only_folder_can_still_be_queried(tmp_path: Path) -> None:
    """A copy of the warehouse on read-only storage: the folder bind-mounted read-only in a mount namespace
    of the test's own (root writes through permission bits, not through a read-only mount)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        if IN_CI:
            pytest.fail("CI runs as root with unshare: the read-only folder test must run")
        pytest.skip("needs root and unshare to mount a folder read-only")
    folder = tmp_path / "readonly"
    folder.mkdir()
    env = {**_base(folder), "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    assert _run(env, "db", "upgrade").returncode == 0
    query = f"{sys.executable} -m flows query 'SELECT count(*) AS sources FROM source_calendar'"
    script = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && touch {folder}/probe; {query}"
    result = subprocess.run(
        ["unshare", "-m", "bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert "Read-only file system" in result.stderr  # the probe: the folder really is read-only
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sources", str(len(publisher_ids()))]


def test_groups_are_checked_and_have_a_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.settings import Settings, load_settings

    monkeypatch.setenv("TRADEFLOW_CONFIG", empty_config(tmp_path))
    assert Settings().code_groups == {"semiconductors": ["8541", "8542"]}
    mti = Settings().concordance_group("semiconductors_mti")  # Korea's count: every HSK line into MTI 831
    assert mti is not None and (mti.concordance, mti.into, mti.label) == (
        "hsk_mti_2026",
        ("831",),
        "semiconductor",
    )
    monkeypatch.setenv("TRADEFLOW_GROUPS", '{"memory": ["854232"], "chips": ["8541", "8542"]}')
    assert Settings().groups == {"memory": ["854232"], "chips": ["8541", "8542"]}
    config = tmp_path / "groups.toml"
    config.write_text(
        '[groups]\nsemiconductors = ["8541", "8542"]\nmemory = ["854231"]\n'
        'displays = { concordance = "hsk_mti_2026", into = ["8362"], label = "display" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(
        "TRADEFLOW_CONFIG", str(config)
    )  # the environment's groups go over the file's, by name
    assert Settings().code_groups == {
        "semiconductors": ["8541", "8542"],
        "memory": ["854232"],
        "chips": ["8541", "8542"],
    }
    assert Settings().concordance_group("displays") is not None
    for bad, said in (
        ('{"Chips": ["8541"]}', "group 'Chips': a name is lowercase letters"),
        ('{"chips": []}', "group 'chips': a list of distinct commodity codes"),
        ('{"chips": ["8541", "8541"]}', "group 'chips': a list of distinct commodity codes"),
        (
            '{"chips": {"concordance": "hs_nowhere", "into": ["831"]}}',
            "group 'chips': unknown concordance 'hs_nowhere'",
        ),
        (
            '{"chips": {"concordance": "hsk_mti_2026", "into": []}}',
            "group 'chips': `into` lists target codes",
        ),
        ('{"chips": {"concordance": "hsk_mti_2026", "into": ["831"], "level": 3}}', "level"),
        (
            '{"chips": {"concordance": "hsk_mti_2026", "into": ["831"], "label": "chip\\u001b[31m"}}',
            "label 'chip",
        ),
        ('{"chips": "8541"}', "group 'chips': a list of commodity codes"),
    ):
        monkeypatch.setenv("TRADEFLOW_GROUPS", bad)
        with pytest.raises(SettingsError, match=said):
            load_settings()


def test_only_passwords_and_token_like_user_names_are_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database user name is no secret: masking `postgres` turned `postgres_table` into `***_table` in
    messages, and would have changed publishers' payloads wherever the word appeared."""
    from flows.settings import Settings

    token = "ghp_" + "x" * 30
    monkeypatch.setenv("TRADEFLOW_KR_CUSTOMS_BASE_URL", "https://proxyuser:hunter2@apis.example/1220000")
    monkeypatch.setenv("TRADEFLOW_CN_CUSTOMS_BASE_URL", "http://scraper@english.example")
    settings = Settings(
        database_url="postgresql+psycopg://tradeflow_warehouse_owner@db.example/trade",  # 25 characters
        query_database_url="postgresql+psycopg://reader:r3ader-pw@db.example/trade",
        rates_base_url=f"https://{token}@rates.example",
    )
    found = settings.secrets()
    assert "r3ader-pw" in found and "hunter2" in found and token in found
    assert not {"tradeflow_warehouse_owner", "reader", "proxyuser", "scraper"} & set(found)
