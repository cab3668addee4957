"""The Census Schedule C country code table: every code maps, none collide, and the refresh reads
Census's own listing layout."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from extractors.us_census import areas as census_areas
from extractors.us_census import schedule_c
from extractors.us_census.schedule_c import Entry, ListingError, parse_listing, read_table, refresh
from transforms import areas

# Census's text listing layout (header, "code | name padded to 52 | ISO"), rows of our choosing; the last
# name is longer than its column and runs into the ISO column, as 7660's does in the 27JAN21 listing.
LISTING = """\
----------------------------------------------------------------------
Schedule C - Country List (by code) [Produced: 27JAN21]
----------------------------------------------------------------------
Code     |    Name                                                | ISO Code
----------------------------------------------------------------------
1220     |    Canada                                              | CA
4803     |    Kosovo                                              | KV
5800     |    South Korea (Republic of Korea)                     | KR
7660     |    Congo, Democratic Republic of the Congo (formerly Za|rCD
----------------------------------------------------------------------
Source: Foreign Trade Division, U.S. Census Bureau, Washington, D.C. 20233
----------------------------------------------------------------------
"""


def test_every_code_maps_to_an_iso_alpha3_or_a_documented_area() -> None:
    table = read_table()
    assert Counter(e.kind for e in table) == {"country": 240, "total": 1, "group": 1}
    mapped = census_areas.census_to_area()
    for entry in table:
        area = mapped[entry.code]
        assert areas.is_area(area), (entry, area)
        if entry.kind == "country" and entry.iso_alpha2 not in census_areas.CENSUS_ALPHA2:
            assert areas.is_country(area) and areas.to_alpha2(area) == entry.iso_alpha2, entry
    assert {e.code for e in table if e.kind != "country"} == {"-", "0003"}


def test_no_two_countries_share_an_area() -> None:
    """Two codes on one area would make two figures of one key: the second would overwrite the first."""
    mapped = census_areas.census_to_area()
    countries = [mapped[e.code] for e in read_table() if e.kind == "country"]
    assert [a for a, n in Counter(countries).items() if n > 1] == []


@pytest.mark.parametrize(
    ("code", "area"),
    [
        ("5800", "KOR"),
        ("5790", "PRK"),
        ("5700", "CHN"),
        ("5830", "TWN"),
        ("5820", "HKG"),
        ("5660", "MAC"),
        ("1010", "GRL"),
        ("4099", "DNK"),
        ("4280", "DEU"),
        ("7630", "COG"),
        ("7660", "COD"),
        ("4803", "XKX"),
        ("5082", "XGZ"),
        ("5083", "XWB"),
        ("9030", "PRI"),
        ("9800", "UMI"),
        ("-", "WLD"),
        ("0003", "EUU"),
    ],
)
def test_schedule_c_facts(code: str, area: str) -> None:
    assert census_areas.census_to_area()[code] == area


def test_every_country_can_be_asked_for_by_its_area() -> None:
    for entry in read_table():
        if entry.kind == "country":
            assert census_areas.iso3_to_census(census_areas.census_to_area()[entry.code]) == entry.code
    assert census_areas.iso3_to_census("WLD") == "-"
    for area in ("EUU", "ATA", "XX"):  # a group, a country Census does not list, garbage
        with pytest.raises(ValueError, match="no Census Schedule C country code for"):
            census_areas.iso3_to_census(area)


def test_the_listing_is_read_in_censuss_layout() -> None:
    listed = parse_listing(LISTING)
    assert [(e.code, e.name, e.iso_alpha2) for e in listed] == [
        ("1220", "Canada", "CA"),
        ("4803", "Kosovo", "KV"),
        ("5800", "South Korea (Republic of Korea)", "KR"),
        ("7660", "Congo, Democratic Republic of the Congo (formerly Za\u2026", "CD"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>Service unavailable</body></html>", "not a Schedule C country listing"),
        ("1220     |    Canada\n", "line 1 is not 'code | name | ISO'"),
        ("1220 | Canada | CA\n1220 | Canada again | CA\n", "codes listed twice"),
    ],
)
def test_a_listing_that_is_not_one_is_refused(text: str, message: str) -> None:
    with pytest.raises(ListingError, match=message):
        parse_listing(text)


def test_refresh_keeps_groups_and_full_names_and_says_what_changed() -> None:
    current = [
        Entry("-", "Total for all countries", "", "total"),
        Entry("1220", "Canada", "CA", "country"),
        Entry("5800", "South Korea", "KR", "country"),
        Entry("7660", "Congo, Democratic Republic of the Congo (formerly Zaire)", "CD", "country"),
        Entry("9999", "Gone", "GO", "country"),
    ]
    table, changes = refresh(parse_listing(LISTING), current)
    assert [e.code for e in table] == ["-", "1220", "4803", "5800", "7660"]
    assert table[-1].name == "Congo, Democratic Republic of the Congo (formerly Zaire)"
    assert changes == [
        "added   4803 Kosovo (KV)",
        "changed 5800: South Korea (KR) -> South Korea (Republic of Korea) (KR)",
        "removed 9999 Gone (GO)",
    ]


def test_refresh_command_rewrites_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "schedule_c.csv"
    table.write_bytes(schedule_c.TABLE.read_bytes())
    listing = tmp_path / "country.txt"
    listing.write_text(LISTING)
    monkeypatch.setattr(schedule_c, "TABLE", table)
    assert schedule_c.main([str(listing)]) == 0
    out = capsys.readouterr().out
    assert "4 countries from the listing" in out and "removed 1000 United States of America (US)" in out
    assert [e.code for e in read_table(table)] == ["-", "0003", "1220", "4803", "5800", "7660"]
    assert read_table(table)[-1].name.endswith("(formerly Zaire)")
    assert read_table() != read_table(table)  # the shipped table is untouched


def test_a_damaged_table_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "schedule_c.csv"
    broken.write_text("code,name,iso\n5800,Korea,KR\n")
    with pytest.raises(ListingError, match="columns"):
        read_table(broken)
    broken.write_text("code,name,iso_alpha2,kind\n5800,Korea,KR,nation\n")
    with pytest.raises(ListingError, match="kind 'nation'"):
        read_table(broken)
