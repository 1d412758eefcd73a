"""Time zone names as people write them: which IANA zone they probably meant.

The configuration loader and the renderers share these, so ``window.render("Tokyo")``
and a consultation file saying ``zone = "Geneva"`` get the same suggestion.
"""

from __future__ import annotations

import functools
import zoneinfo

from consultkit.domain.suggest import closest
from consultkit.errors import UnknownZoneError
from consultkit.i18n import deferred

__all__ = ["ZONE_ALIASES", "known_zone", "suggest_zone"]

#: Zones people write that IANA spells differently; difflib cannot guess these.
ZONE_ALIASES = {
    "europe/geneva": "Europe/Zurich",
    "geneva": "Europe/Zurich",
    "europe/bern": "Europe/Zurich",
    "europe/the_hague": "Europe/Amsterdam",
    "america/washington": "America/New_York",
    "america/washington_dc": "America/New_York",
    "asia/beijing": "Asia/Shanghai",
    "asia/delhi": "Asia/Kolkata",
    "asia/new_delhi": "Asia/Kolkata",
    "africa/addis_abeba": "Africa/Addis_Ababa",
    "utc+0": "UTC",
    "gmt": "UTC",
}


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _by_city() -> dict[str, str]:
    # "tokyo" -> "Asia/Tokyo": a bare city is the commonest way to write a zone, and
    # difflib scores it too low against the full name to suggest it.
    cities: dict[str, str] = {}
    for zone in _zones():
        if "/" in zone and zone.split("/", 1)[0][0].isupper():
            cities.setdefault(zone.rsplit("/", 1)[-1].lower(), zone)
    return cities


def suggest_zone(name: str) -> str | None:
    """The IANA zone someone probably meant by ``name`` (``Europe/Geneva`` -> ``Europe/Zurich``,
    ``Tokyo`` -> ``Asia/Tokyo``), or ``None``."""
    key = name.strip().lower()
    alias = ZONE_ALIASES.get(key)
    if alias:
        return alias
    by_lower = {z.lower(): z for z in _zones()}
    if key in by_lower:
        return by_lower[key]
    city = _by_city().get(key.replace(" ", "_"))
    if city:
        return city
    return closest(name, _zones(), cutoff=0.75)


@functools.cache
def known_zone(name: str) -> str:
    """Return ``name`` if this machine knows the zone, else raise :class:`UnknownZoneError`
    with the IANA name it probably meant."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        suggestion = suggest_zone(name) if isinstance(name, str) else None
        hint = (
            deferred.gettext("did you mean %(suggestion)r?", suggestion=suggestion)
            if suggestion
            else deferred.gettext(
                "use an IANA name such as %(zone)r or %(other)r",
                zone="Europe/Zurich",
                other="America/New_York",
            )
        )
        raise UnknownZoneError(
            deferred.gettext("unknown time zone %(zone)r: %(hint)s", zone=name, hint=hint)
        ) from None
    return name
