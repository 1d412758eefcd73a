"""The UN M49 region (Africa, Americas, Asia, Europe, Oceania) of an ISO 3166-1 country.

The compilation report counts submissions by region from the submitter's country. The
table follows the UN Statistics Division's "Standard country or area codes for statistical
use" (M49); Taiwan (not listed in M49) is counted with Asia, and Antarctica belongs to no
region. ``tests/test_report.py`` checks that every ISO code has an answer.
"""

from __future__ import annotations

from typing import Final

from consultkit.domain.fields import UN_REGIONS

_MEMBERS: Final = {
    "002": (
        "DZ EG LY MA SD TN EH IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM"
        " ZW AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA BJ BF CV CI GM GH GN GW LR ML MR NE NG"
        " SH SN SL TG"
    ),
    "019": (
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"
        " BZ CR SV GT HN MX NI PA AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE BM CA GL PM"
        " US"
    ),
    "142": (
        "KZ KG TJ TM UZ CN HK MO KP JP MN KR TW BN KH ID LA MY MM PH SG TH TL VN AF BD BT IN"
        " IR MV NP PK LK AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    "150": (
        "BY BG CZ HU PL MD RO RU SK UA AX DK EE FO FI GG IM IS IE JE LV LT NO SJ SE GB AL AD"
        " BA HR GI GR VA IT MT ME MK PT SM RS SI ES AT BE FR DE LI LU MC NL CH"
    ),
    "009": "AU NZ NF HM CX CC FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF",
}

REGION_OF_COUNTRY: Final[dict[str, str]] = {
    country: region for region, members in _MEMBERS.items() for country in members.split()
}
"""M49 region code by ISO 3166-1 alpha-2 code."""

NO_REGION: Final = frozenset({"AQ"})
"""Countries in no M49 region."""

REGIONS: Final = tuple(_MEMBERS)
"""The five regions' codes, in the order M49 lists them."""


def region_of(country: str | None) -> str | None:
    """The M49 region code of ``country`` (ISO alpha-2, any case), or None if unknown."""
    if not country:
        return None
    return REGION_OF_COUNTRY.get(country.strip().upper())


def region_name(code: str) -> str:
    """The English name of an M49 region code (``150`` -> ``Europe``)."""
    return UN_REGIONS.get(code, code)


__all__ = ["NO_REGION", "REGIONS", "REGION_OF_COUNTRY", "region_name", "region_of"]
