"""What each of the ten slots of a Korea Customs preliminary answer means, service by service.

An answer carries `itemUsdAmt01`..`itemUsdAmt10` by position and never says what a position is: the
meaning is fixed by each service's specification on data.go.kr. As of 2026-12 only the imports-by-partner
list has been checked against real answers (by others, for 2023-01: China 4,803,571 of a 20,130,610 total
for days 1-10); the other three are as the specifications and public code list them, not yet verified.
A wrong list cannot be seen in one figure; what can be seen is checked on every answer (`parse.py`): no
slot above the total, the slots together not above it, and each slot's running total not falling from
one window to the next.
"""

from __future__ import annotations

from typing import Final

# Korea Customs' own product groups (commodity system KCS): (code, name). Not HS lines, not MTI codes.
EXPORT_ITEMS: Final = (
    ("semiconductors", "Semiconductors"),
    ("steel_products", "Steel products"),
    ("passenger_cars", "Passenger cars"),
    ("petroleum_products", "Petroleum products"),
    ("wireless_devices", "Wireless communication devices"),
    ("ships", "Ships"),
    ("auto_parts", "Automobile parts"),
    ("computer_peripherals", "Computer peripherals"),
    ("precision_instruments", "Precision instruments"),
    ("home_appliances", "Home appliances"),
)
IMPORT_ITEMS: Final = (
    ("semiconductors", "Semiconductors"),
    ("crude_oil", "Crude oil"),
    ("machinery", "Machinery"),
    ("gas", "Gas"),
    ("semiconductor_equipment", "Semiconductor manufacturing equipment"),
    ("precision_instruments", "Precision instruments"),
    ("petroleum_products", "Petroleum products"),
    ("wireless_devices", "Wireless communication devices"),
    ("passenger_cars", "Passenger cars"),
    ("coal", "Coal"),
)
# Partners as ISO 3166-1 alpha-3 (EUU: the European Union).
EXPORT_PARTNERS: Final = ("CHN", "USA", "EUU", "VNM", "JPN", "HKG", "TWN", "SGP", "IND", "MEX")
IMPORT_PARTNERS: Final = ("CHN", "USA", "EUU", "JPN", "VNM", "AUS", "TWN", "SAU", "RUS", "MYS")

SLOTS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("items", "export"): tuple(code for code, _ in EXPORT_ITEMS),
    ("items", "import"): tuple(code for code, _ in IMPORT_ITEMS),
    ("partners", "export"): EXPORT_PARTNERS,
    ("partners", "import"): IMPORT_PARTNERS,
}
ITEM_NAMES: Final[dict[str, str]] = dict(EXPORT_ITEMS + IMPORT_ITEMS)
VERIFIED: Final = frozenset({("partners", "import")})  # slot lists checked against real answers
