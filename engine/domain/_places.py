"""Where a facility is: its country (ISO 3166-1 alpha-2) and its IANA time zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

__all__ = ["COUNTRIES", "check_country", "check_timezone"]

COUNTRIES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
    """.split()  # noqa: SIM905  (a row per initial letter, as the standard lists them)
)
"""The 249 officially assigned ISO 3166-1 alpha-2 country codes."""


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str) -> str:
    """`value` if it names an IANA time zone (`America/Chicago`), else ValueError.

    Membership in the zone database, not `ZoneInfo(value)`: that also opens file paths.
    """
    if value not in _zones():
        raise ValueError(f"`{value}` is not an IANA time zone (e.g. `America/Chicago`)")
    return value


def check_country(value: str) -> str:
    """`value` if it is an ISO 3166-1 alpha-2 code (`US`), else ValueError."""
    if value not in COUNTRIES:
        raise ValueError(f"`{value}` is not an ISO 3166-1 alpha-2 country code (e.g. `US`)")
    return value
