"""Groups defined through a concordance (issue 28): which published lines make up a group's figure."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from extractors import get_concordance
from transforms.groups import Members, compose

# A concordance in miniature: HSK lines of three HS6 codes and where they go.
MAPPING = {
    "8542321010": "831110",  # DRAM
    "8542321020": "831110",  # SRAM
    "8542330000": "831190",  # amplifiers
    "8473301000": "813690",  # computer parts: not semiconductors
    "8473304060": "831110",  # memory modules: semiconductors
    "8541430000": "841180",  # photovoltaic modules: not semiconductors
}


def members() -> Members:
    return Members(MAPPING, ["831"])


def test_a_line_wholly_in_the_group_counts_and_one_out_does_not() -> None:
    found = compose(["854232", "854233", "854143", "TOTAL"], members())
    assert found.used == ("854232", "854233")
    assert "854143" not in found.used + found.partial  # out: neither summed nor told as partial
    assert found.missing == ("8473304060",)
    assert not found.complete


def test_a_coarser_line_only_partly_in_is_never_summed_its_member_lines_are() -> None:
    coarse = compose(["854232", "854233", "847330"], members())
    assert coarse.partial == ("847330",) and "847330" not in coarse.used
    assert coarse.missing == ("8473304060",)  # the part that is in must come as its own line
    fine = compose(["854232", "854233", "847330", "8473304060", "8473301000"], members())
    assert fine.used == ("8473304060", "854232", "854233")
    assert fine.complete and fine.partial == ("847330",)


def test_a_line_and_the_lines_inside_it_are_counted_once() -> None:
    found = compose(["854232", "8542321010", "8542321020", "854233", "8473304060"], members())
    assert found.used == ("8473304060", "854232", "854233")
    assert found.complete


def test_the_2026_concordance_holds_korea_s_semiconductors() -> None:
    """The facts of KITA's 2026 concordance (../shared/real-releases/kr_customs/README.md)."""
    mapping = get_concordance("hsk_mti_2026").mapping()
    assert len(mapping) == 11327
    semis = Members(mapping, ["831"]).members
    assert len(semis) == 57
    by_heading: dict[str, int] = {}
    for line in semis:
        by_heading[line[:4]] = by_heading.get(line[:4], 0) + 1
    assert by_heading == {"3818": 3, "8473": 1, "8523": 3, "8541": 28, "8542": 20, "8543": 1, "8548": 1}
    assert mapping["8542321010"] == mapping["8473304060"] == "831110"
    assert mapping["8541430000"] == "841180" and mapping["8473301000"] == "813690"


@pytest.mark.parametrize("line", ["0101211000\t02113", "8542321010", "85423210X0\t831110"])
def test_a_sheet_line_that_is_not_hsk_and_mti_is_named(line: str) -> None:
    from extractors.kr_customs.hsk_mti import ConcordanceFileError, parse_sheet

    with pytest.raises(ConcordanceFileError, match="line 2 is not"):
        parse_sheet("# comment\n" + line)


def test_the_same_hsk_line_twice_is_refused() -> None:
    from extractors.kr_customs.hsk_mti import ConcordanceFileError, parse_sheet

    with pytest.raises(ConcordanceFileError, match="8542321010 appears twice"):
        parse_sheet("8542321010\t831110\n8542321010\t831190\n")


def test_the_refresh_says_what_changed() -> None:
    from extractors.kr_customs.hsk_mti import changes

    said = changes({"8542321010": "831110", "8541430000": "831190"}, {"8542321010": "831190", "1": "2"})
    assert said == ["added   8541430000 -> 831190", "moved   8542321010: 831190 -> 831110", "removed 1 (2)"]


def test_the_warehouse_holds_each_concordance_and_rewrites_it_only_when_it_changed(engine: Engine) -> None:
    from sqlalchemy import text

    from extractors.base import Concordance
    from warehouse.reference import sync_concordances

    shipped = get_concordance("hsk_mti_2026")
    table = shipped.mapping()

    def made_of(mapping: dict[str, str], name: str = "hsk_mti_2026") -> Concordance:
        return Concordance(name, name, "HSK", "MTI", read=lambda: mapping)

    assert sync_concordances(engine, {"hsk_mti_2026": shipped}) == ["hsk_mti_2026"]
    assert sync_concordances(engine, {"hsk_mti_2026": shipped}) == []  # the same digest: no write
    query = "SELECT count(*) FROM ref_concordance WHERE concordance = 'hsk_mti_2026' AND target LIKE '831%'"
    with engine.connect() as conn:
        assert conn.execute(text(query)).scalar_one() == 57
        assert conn.execute(text("SELECT lines FROM ref_concordance_version")).scalar_one() == 11327
    moved = {**table, "8541430000": "831190"}  # a refresh that moves solar modules into semiconductors
    tiny = made_of({"1": "2"}, "tiny")
    assert sync_concordances(engine, {"hsk_mti_2026": made_of(moved), "tiny": tiny}) == [
        "hsk_mti_2026",
        "tiny",
    ]
    with engine.connect() as conn:
        assert conn.execute(text(query)).scalar_one() == 58
    assert sync_concordances(engine, {"tiny": tiny}) == []  # one no longer registered is removed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT concordance FROM ref_concordance")).scalars().all() == [
            "tiny"
        ]


def test_a_watchlist_naming_a_group_fetches_the_lines_the_group_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kr_customs asked for `semiconductors_mti`: every HS6 code wholly in it, and the memory modules
    (8473304060) alone of 847330, which is only partly in; a list group gives its codes."""
    from flows.settings import Settings

    config = tmp_path / "tradeflow.toml"
    config.write_text(
        '[watchlist.kr_customs]\npartners = ["CHN"]\ncommodities = ["semiconductors_mti", "semiconductors", "2710"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TRADEFLOW_CONFIG", str(config))
    asked = Settings().publisher("kr_customs").commodities  # type: ignore[attr-defined]
    assert "8473304060" in asked and "847330" not in asked and "8473301000" not in asked
    assert {"381800", "852352", "854232", "8543901000"} <= set(asked)
    assert "854143" not in asked and not any(c.startswith("854143") for c in asked)  # solar: not in
    assert asked[-3:] == ["8541", "8542", "2710"] and len(asked) == len(set(asked))
    monkeypatch.setenv("TRADEFLOW_KR_CUSTOMS_COMMODITIES", "semiconductors_mti")  # the environment too
    assert "8473304060" in Settings().publisher("kr_customs").commodities  # type: ignore[attr-defined]


def test_the_refresh_reads_excel_s_text_and_refuses_what_is_not_a_whole_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from extractors.kr_customs import hsk_mti

    table = tmp_path / "table.csv"
    hsk_mti.write_table({f"85423210{n:02d}": "831110" for n in range(10)}, table)
    monkeypatch.setattr(hsk_mti, "TABLE", table)
    rows = "".join(f"85423210{n:02d}\t831110\t반도체\r\n" for n in range(10))
    sheet = tmp_path / "sheet.tsv"
    sheet.write_bytes(
        ("HSK\tMTI\t산업\r\n" + rows.replace("8542321009\t831110", "8542321009\t831190")).encode("utf-16")
    )
    assert hsk_mti.main([str(sheet)]) == 0  # Excel's "Unicode text": UTF-16 with a BOM, CRLF, a header
    assert hsk_mti.read_table(table)["8542321009"] == "831190"
    assert "moved   8542321009: 831110 -> 831190" in capsys.readouterr().out
    sheet.write_text("\ufeff8542321000\t831110\n", encoding="utf-8")
    assert hsk_mti.main([str(sheet)]) == 2  # one line against ten: not written without --force
    assert "not a whole sheet" in capsys.readouterr().err and len(hsk_mti.read_table(table)) == 10
    assert hsk_mti.main(["--force", str(sheet)]) == 0 and len(hsk_mti.read_table(table)) == 1
    for bad in (tmp_path / "missing.tsv", tmp_path):
        assert hsk_mti.main([str(bad)]) == 2
    assert "hsk_mti: " in capsys.readouterr().err


def test_a_watchlist_commodity_that_is_neither_a_code_nor_a_group_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.settings import SettingsError, load_settings

    config = tmp_path / "tradeflow.toml"
    config.write_text('[watchlist.kr_customs]\ncommodities = ["semis_mti"]\n', encoding="utf-8")
    monkeypatch.setenv("TRADEFLOW_CONFIG", str(config))
    with pytest.raises(SettingsError, match="'semis_mti' is neither a commodity code"):
        load_settings()
