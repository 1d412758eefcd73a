"""Consultation files: TOML in, :class:`~consultkit.domain.model.Consultation` out, and back.

One cattrs converter (:func:`make_converter`) does the structuring; the hooks here are
strict (a number is not a string, a date is not a datetime, a string is not a list) so
that a mistake is reported instead of silently turned into something else. Every problem
becomes a :class:`~consultkit.errors.Problem` naming the file, the line (found by
:class:`~consultkit.config.locator.KeyLocator`), the field path (``phases[3].window.end``,
indices counted from 0), what is wrong and what to do. All problems of a file are
reported together in one :class:`~consultkit.errors.ConfigError`; nothing else escapes.

The format is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import re
import tomllib
import typing
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)
from cattrs.fns import raise_error
from cattrs.strategies import configure_tagged_union

from consultkit.config.locator import KeyLocator
from consultkit.config.toml_syntax import toml_error
from consultkit.domain.attachments import ACCEPTABLE_TYPES, Attachments
from consultkit.domain.field_files import ENDING_TYPES
from consultkit.domain.fields import (
    FIELD_TYPES,
    AnyField,
    ChoiceField,
    DateField,
    FileField,
    MultipleChoiceField,
    NumberField,
    Option,
    PeopleField,
    TextField,
)
from consultkit.domain.links import email_problem, url_problem
from consultkit.domain.model import (
    REVIEWERS_AUDIENCE,
    Consultation,
    ItemStatus,
    OrganisationRole,
    Place,
    PluginSettings,
    ReminderEdge,
)
from consultkit.domain.review.rounds import CallReview, RoundKind, round_ref
from consultkit.domain.suggest import closest
from consultkit.domain.text import Text
from consultkit.domain.windows import (
    WINDOW_TYPES,
    AnyWindow,
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    LocalTimeError,
    Month,
    MonthWindow,
    Unscheduled,
    legacy_zone_problem,
    localize,
    to_utc,
)
from consultkit.domain.zones import suggest_zone
from consultkit.errors import ConfigError, ConsultkitError, Problem
from consultkit.i18n import Text as Wording
from consultkit.i18n import deferred
from consultkit.reasons import os_reason
from consultkit.value_methods import shared_value_methods

__all__ = [
    "dump_consultation",
    "load_consultation",
    "loads_consultation",
    "make_converter",
    "suggest_zone",
]

#: Years a consultation file may name; keeps every date arithmetic far from overflow.
MIN_YEAR = 1900
MAX_YEAR = 2999

# Patterns are strings that re compiles, and caches, when first used: compiled here they
# cost every verb that imports the module (issue 14).
_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_LANGUAGE = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"
_DURATION = (
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


_Said = str | Wording
"""What a problem says: words worded for the reader at the edge (a :class:`Wording`), or
a plain string where the words are not consultkit's (an unexpected error's own)."""

_Problem = tuple[str, _Said, _Said | None]
"""(field path, what is wrong, what to do)."""


class _FieldProblems(Exception):
    """Raised by the hand-written hooks: problems relative to the value being structured."""

    def __init__(self, problems: Sequence[_Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p}: {m}" for p, m, _ in self.problems))


class _Wrong(ValueError):
    """A value is wrong; ``hint`` says what to do."""

    def __init__(self, message: _Said, hint: _Said | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(str(message))


def _said(exc: BaseException) -> _Said:
    """What ``exc`` says, in words still to be worded where it carries them."""
    if isinstance(exc, _Wrong):
        return exc.message
    if isinstance(exc, ConsultkitError) and exc.text is not None:
        return exc.text
    return str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- suggestions


def _close(word: str, choices: Iterable[str]) -> str | None:
    return closest(word, choices)


def _attachment_problems(where: str, allowed: Attachments) -> Iterator[_Problem]:
    known = list(ACCEPTABLE_TYPES)
    if not allowed.types:
        yield (
            f"{where}.types",
            deferred.gettext("lists no media type"),
            deferred.gettext("allow some of %(types)s", types=", ".join(known)),
        )
    for t_index, media_type in enumerate(allowed.types):
        if media_type not in ACCEPTABLE_TYPES:
            yield (
                f"{where}.types[{t_index}]",
                deferred.gettext(
                    "%(type)s is not a type whose content can be checked", type=repr(media_type)
                ),
                _did_you_mean(media_type, known, "types"),
            )
    for key in ("max_bytes", "max_files"):
        value = getattr(allowed, key)
        if isinstance(value, bool) or value < 1:
            yield (
                f"{where}.{key}",
                deferred.gettext(
                    "must be a whole number of at least 1, not %(value)s", value=repr(value)
                ),
                None,
            )


def _did_you_mean(word: str, choices: Iterable[str], what: str) -> Wording:
    options = sorted(choices)
    close = _close(word, options)
    if close:
        return _did_you_mean_this(close)
    return _known_ones(
        what, ", ".join(options) if options else deferred.pgettext("known items", "none")
    )


def _did_you_mean_this(close: str) -> Wording:
    return deferred.gettext("did you mean %(close)s?", close=repr(close))


def _known_ones(what: str, listed: _Said) -> Wording:
    """``known calls: a, b``: one message per kind of thing, so that each language can make
    its words agree with it (``appels connus``, ``phases connues``)."""
    match what:
        case "stakeholder groups":
            return deferred.gettext("known stakeholder groups: %(listed)s", listed=listed)
        case "phases":
            return deferred.gettext("known phases: %(listed)s", listed=listed)
        case "calls":
            return deferred.gettext("known calls: %(listed)s", listed=listed)
        case "events":
            return deferred.gettext("known events: %(listed)s", listed=listed)
        case "reviews":
            return deferred.gettext("known review rounds: %(listed)s", listed=listed)
        case "vocabularies":
            return deferred.gettext("known vocabularies: %(listed)s", listed=listed)
        case _:
            return deferred.gettext("known types: %(listed)s", listed=listed)


def _unknown(what: str, value: str) -> Wording:
    """``unknown call 'x'``, one message per kind of thing (see :func:`_known_ones`)."""
    match what:
        case "stakeholder group":
            return deferred.gettext("unknown stakeholder group %(id)s", id=repr(value))
        case "phase":
            return deferred.gettext("unknown phase %(id)s", id=repr(value))
        case "call":
            return deferred.gettext("unknown call %(id)s", id=repr(value))
        case "event":
            return deferred.gettext("unknown event %(id)s", id=repr(value))
        case "review":
            return deferred.gettext("unknown review round %(id)s", id=repr(value))
        case _:
            return deferred.gettext("unknown vocabulary %(id)s", id=repr(value))


def _zone_hint(name: str) -> Wording:
    suggestion = suggest_zone(name)
    if suggestion:
        return deferred.gettext(
            "did you mean %(zone)s? Use an IANA zone name", zone=repr(suggestion)
        )
    return deferred.gettext("use an IANA zone name such as 'Europe/Zurich' or 'UTC'")


def check_zone_name(value: object) -> str:
    """Return ``value`` if it is a known IANA zone name, else raise a helpful error."""
    if not isinstance(value, str):
        raise _Wrong(
            deferred.gettext("expected a zone name (a string), got %(value)s", value=_kind(value))
        )
    if not value or value != value.strip() or value.startswith(("+", "-")) or ".." in value:
        raise _Wrong(_unknown_zone(value), _zone_hint(value))
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise _Wrong(_unknown_zone(value), _zone_hint(value)) from None
    problem = legacy_zone_problem(value)
    if problem is not None:
        raise _Wrong(problem)
    return value


def _unknown_zone(name: str) -> Wording:
    return deferred.gettext("unknown time zone %(zone)s", zone=repr(name))


def _kind(value: object) -> _Said:
    """What ``value`` is, as the reader says it: ``an integer (1)``."""
    short = _short(value)
    names: dict[type, Wording] = {
        bool: deferred.gettext("a boolean (%(value)s)", value=short),
        int: deferred.gettext("an integer (%(value)s)", value=short),
        float: deferred.gettext("a number (%(value)s)", value=short),
        str: deferred.gettext("a string (%(value)s)", value=short),
        list: deferred.gettext("an array (%(value)s)", value=short),
        dict: deferred.gettext("a table (%(value)s)", value=short),
        dt.datetime: deferred.gettext("a date-time (%(value)s)", value=short),
        dt.date: deferred.gettext("a date (%(value)s)", value=short),
        dt.time: deferred.gettext("a time (%(value)s)", value=short),
    }
    for cls, name in names.items():
        if type(value) is cls:
            return name
    return type(value).__name__


def _short(value: object) -> str:
    # Dates and times as the file writes them, never Python's datetime.datetime(2020, 4, 17).
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- scalar hooks


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Wrong(
            _year_out_of_range(year),
            deferred.gettext(
                "use a year between %(first)s and %(last)s", first=MIN_YEAR, last=MAX_YEAR
            ),
        )


def _year_out_of_range(year: int) -> Wording:
    return deferred.gettext("year %(year)s is out of range", year=year)


def _expected_string(value: object) -> Wording:
    return deferred.gettext("expected a string, got %(value)s", value=_kind(value))


def _expected_table(value: object) -> Wording:
    return deferred.gettext("expected a table, got %(value)s", value=_kind(value))


def _expected_bool(value: object) -> Wording:
    return deferred.gettext("expected true or false, got %(value)s", value=_kind(value))


def _expected_datetime(value: object) -> Wording:
    return deferred.gettext("expected a date-time, got %(value)s", value=_kind(value))


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _Wrong(_expected_string(value), deferred.gettext("put the value in quotes"))
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        quoted = isinstance(value, str) and value.strip().isdigit()
        raise _Wrong(
            deferred.gettext("expected an integer, got %(value)s", value=_kind(value)),
            deferred.gettext("remove the quotes") if quoted else None,
        )
    return value


def _structure_float(value: object, _: type) -> float:
    # An integer stays one (a limit of 3 is written back as 3, not 3.0).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Wrong(
            deferred.gettext("expected a number, got %(value)s", value=_kind(value)),
            deferred.gettext("write a number without quotes"),
        )
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Wrong(_expected_bool(value), deferred.gettext("write true or false"))
    return value


def _structure_date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _Wrong(
            deferred.gettext("expected a date, got %(value)s", value=_kind(value)),
            deferred.gettext("write a TOML date such as 2020-02-03"),
        )
    _check_year(value.year)
    return value


def _structure_time(value: object, _: type) -> dt.time:
    if not isinstance(value, dt.time):
        raise _Wrong(
            deferred.gettext("expected a time, got %(value)s", value=_kind(value)),
            deferred.gettext("write a TOML time such as 17:00:00"),
        )
    if value.tzinfo is not None:
        raise _Wrong(
            deferred.gettext("a time of day takes no offset"),
            deferred.gettext("the window's zone gives the offset"),
        )
    return value


def _structure_instant(value: object, _: type) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise _Wrong(
            _expected_datetime(value),
            deferred.gettext("write a TOML date-time such as 2019-06-04T16:00:00"),
        )
    _check_year(value.year)
    if value.tzinfo is None:
        raise _Wrong(
            deferred.gettext("a date-time here needs an offset"),
            deferred.gettext("add one, e.g. 2019-06-04T16:00:00+02:00"),
        )
    return to_utc(value)


def parse_duration(text: str) -> dt.timedelta:
    """Parse an ISO 8601 duration of weeks, days, hours, minutes, seconds (``P7D``, ``PT1H``)."""
    match = re.match(_DURATION, text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise _Wrong(
            deferred.gettext("not a duration %(text)s", text=repr(text)),
            deferred.gettext("write ISO 8601 such as 'P7D' (7 days), 'PT1H' (1 hour) or 'P1DT12H'"),
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return dt.timedelta(**parts)


def format_duration(value: dt.timedelta) -> str:
    """Write ``value`` as an ISO 8601 duration (the inverse of :func:`parse_duration`)."""
    if value < dt.timedelta(0):
        raise ValueError("durations before an anchor are written as positive values")
    days, seconds = value.days, value.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    time += f"{secs}S" if secs else ""
    if time:
        text += "T" + time
    return text if text != "P" else "PT0S"


def _structure_duration(value: object, _: type) -> dt.timedelta:
    if not isinstance(value, str):
        raise _Wrong(
            deferred.gettext("expected a duration, got %(value)s", value=_kind(value)),
            deferred.gettext("write e.g. 'P7D' or 'PT1H'"),
        )
    return parse_duration(value)


def _structure_text(value: object, _: type) -> Text:
    if not isinstance(value, Mapping):
        raise _Wrong(
            deferred.gettext(
                "expected a table of texts by language, got %(value)s", value=_kind(value)
            ),
            deferred.gettext('write e.g. { en = "…", es = "…" }'),
        )
    problems: list[_Problem] = []
    values: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not re.match(_LANGUAGE, key):
            problems.append(
                (
                    str(key),
                    deferred.gettext("%(tag)s is not a language tag", tag=repr(key)),
                    deferred.gettext("use a tag such as en, es, fr, zh"),
                )
            )
        elif not isinstance(text, str):
            problems.append((key, _expected_string(text), None))
        else:
            values[key] = text
    if problems:
        raise _FieldProblems(problems)
    return Text(values)


def _structure_mapping(value: object, _: type) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _Wrong(_expected_table(value))
    problems: list[_Problem] = []
    for key, item in value.items():
        if not isinstance(item, str):
            problems.append((str(key), _expected_string(item), None))
    if problems:
        raise _FieldProblems(problems)
    return {str(k): v for k, v in value.items()}


_PLUGIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# Keys that name a secret: the consultation file is published, so they are refused.
_SENSITIVE_KEY = r"(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)"


def _setting_value(value: object) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, list) and all(isinstance(v, bool | int | float | str) for v in value)


def _structure_plugins(value: object, _: type) -> dict[str, PluginSettings]:
    if not isinstance(value, Mapping):
        raise _Wrong(_expected_table(value), deferred.gettext("write [plugins.NAME] tables"))
    problems: list[_Problem] = []
    found: dict[str, PluginSettings] = {}
    for name, table in value.items():
        if not re.match(_PLUGIN_NAME, str(name)):
            problems.append(
                (
                    str(name),
                    deferred.gettext("not a plugin name: %(name)s", name=repr(name)),
                    deferred.gettext("use the name `consultkit plugins` shows"),
                )
            )
            continue
        if not isinstance(table, Mapping):
            problems.append(
                (
                    name,
                    _expected_table(table),
                    deferred.gettext(
                        "write [plugins.%(name)s] with key = value lines under it", name=name
                    ),
                )
            )
            continue
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append((f"{name}.enabled", _expected_bool(enabled), None))
        values: dict[str, Any] = {}
        for key, item in table.items():
            if key == "enabled":
                continue
            if re.search(_SENSITIVE_KEY, str(key).lower()):
                problems.append(
                    (
                        f"{name}.{key}",
                        deferred.gettext(
                            "looks like a secret, and the consultation file is public"
                        ),
                        deferred.gettext(
                            "put it in the environment (CONSULTKIT_...) or the settings file"
                            " the plugin reads, not in [plugins.%(name)s]",
                            name=name,
                        ),
                    )
                )
            elif not _setting_value(item):
                problems.append(
                    (
                        f"{name}.{key}",
                        deferred.gettext(
                            "a plugin setting is text, a number, true/false or a list of"
                            " those, not %(value)s",
                            value=_kind(item),
                        ),
                        deferred.gettext("write it as a string"),
                    )
                )
            else:
                values[str(key)] = tuple(item) if isinstance(item, list) else item
        found[str(name)] = PluginSettings(enabled=bool(enabled), values=values)
    if problems:
        raise _FieldProblems(problems)
    return found


def _unstructure_plugins(plugins: Mapping[str, PluginSettings]) -> dict[str, Any]:
    return {
        name: {**({} if settings.enabled else {"enabled": False}), **dict(settings.values)}
        for name, settings in plugins.items()
    }


def _structure_month(value: object, _: type) -> Month:
    if not isinstance(value, str):
        raise _Wrong(
            deferred.gettext("expected a month, got %(value)s", value=_kind(value)),
            deferred.gettext("write it as a string: '2020-01'"),
        )
    try:
        month = Month.parse(value)
    except ValueError as exc:
        raise _Wrong(
            _said(exc), deferred.gettext("write the year and the month as a string: '2020-01'")
        ) from None
    _check_year(month.year)
    return month


def _enum_hook(cls: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    values = [str(member.value) for member in cls]

    def structure(value: object, _: type) -> enum.Enum:
        for member in cls:
            if value == member.value and type(value) is type(member.value):
                return member
        choices = ", ".join(repr(v) for v in values)
        hint = _use_one_of(choices)
        if isinstance(value, str):
            close = _close(value, values)
            if close:
                hint = deferred.gettext(
                    "did you mean %(close)s? Use one of %(choices)s",
                    close=repr(close),
                    choices=choices,
                )
        raise _Wrong(deferred.gettext("%(value)s is not allowed here", value=_short(value)), hint)

    return structure


def _use_one_of(choices: str) -> Wording:
    return deferred.gettext("use one of %(choices)s", choices=choices)


def _is_homogeneous_tuple(cls: Any) -> bool:
    args = typing.get_args(cls)
    return typing.get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis


# --------------------------------------------------------------------------- windows

# Windows are a tagged union on ``kind`` (cattrs' ``configure_tagged_union``): the tag picks
# the kind's class in ``WINDOW_TYPES`` and that class's structure hook below. Each hook
# checks the keys and the zone the same way, then the fields of its kind, collecting every
# problem with its own message and hint; a new kind registers its checks in
# ``_WINDOW_CHECKS``.

_Problems = list[_Problem]


def _window_keys(cls: type[AnyWindow]) -> tuple[str, ...]:
    """The keys a window table of kind ``cls`` may have, in the documented order."""
    return ("kind", *(a.name for a in attrs.fields(cls)))


def _local_datetime(value: object, zone: str, field: str, problems: _Problems) -> Any:
    """Turn a TOML date-time (local, or with an offset that picks a fold) into a zoned time."""
    if not isinstance(value, dt.datetime):
        hint = (
            deferred.gettext(
                "write a TOML date-time such as 2019-06-04T16:00:00, or use kind = 'days' for"
                " whole days"
            )
            if isinstance(value, dt.date)
            else deferred.gettext("write a TOML date-time such as 2019-06-04T16:00:00")
        )
        problems.append((field, _expected_datetime(value), hint))
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        problems.append(
            (
                field,
                _year_out_of_range(value.year),
                deferred.gettext("use %(first)s to %(last)s", first=MIN_YEAR, last=MAX_YEAR),
            )
        )
        return None
    try:
        return localize(value.replace(tzinfo=None), zone, offset=value.utcoffset())
    except LocalTimeError as exc:
        problems.append((field, _said(exc), _local_time_hint(exc)))
        return None


def _local_time_hint(exc: LocalTimeError) -> Wording:
    if exc.twice:
        return deferred.gettext("write the offset after the time, e.g. 2019-10-27T02:30:00+02:00")
    return deferred.gettext("pick a time that exists in that zone")


def _check_window_table(value: object) -> None:
    """Refuse what the tagged union cannot dispatch: no table, no kind, an unknown kind."""
    if not isinstance(value, Mapping):
        raise _Wrong(
            deferred.gettext("expected a window table, got %(value)s", value=_kind(value)),
            deferred.gettext("write e.g. { kind = 'days', first = 2019-11-25, last = 2019-11-29 }"),
        )
    kind = value.get("kind")
    if kind not in WINDOW_TYPES:
        kinds = ", ".join(repr(k) for k in WINDOW_TYPES)
        if kind is None:
            raise _FieldProblems(
                [("kind", deferred.gettext("the window has no kind"), _add_kind(kinds))]
            )
        close = _close(kind, WINDOW_TYPES) if isinstance(kind, str) else None
        hint = _did_you_mean_this(close) if close else _use_one_of(kinds)
        raise _FieldProblems(
            [("kind", deferred.gettext("unknown window kind %(kind)s", kind=_short(kind)), hint)]
        )


def _add_kind(kinds: str) -> Wording:
    return deferred.gettext("add kind = one of %(kinds)s", kinds=kinds)


def _missing() -> Wording:
    return deferred.gettext("required field is missing")


def _add(name: str) -> Wording:
    return deferred.gettext("add %(key)s = …", key=name)


class _Need:
    """Reads required fields of a window table, noting each missing one as a problem."""

    def __init__(self, value: Mapping[str, Any], problems: _Problems) -> None:
        self._value = value
        self._problems = problems

    def __call__(self, name: str) -> object:
        if name not in self._value:
            self._problems.append((name, _missing(), _add(name)))
            return None
        return self._value[name]


_WindowCheck = Callable[[Mapping[str, Any], str | None, _Need, _Problems], AnyWindow | None]


def _check_exact(
    value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
) -> AnyWindow | None:
    start, end = need("start"), need("end")
    if zone is None or start is None or end is None:
        return None
    begin = _local_datetime(start, zone, "start", problems)
    finish = _local_datetime(end, zone, "end", problems)
    if begin is None or finish is None:
        return None
    if to_utc(finish) <= to_utc(begin):
        problems.append(
            (
                "end",
                deferred.gettext("the window ends before it starts"),
                deferred.gettext("make end later than start"),
            )
        )
        return None
    return ExactWindow(start=begin, end=finish, zone=zone)


def _check_bounds(
    cls: type[DayWindow | MonthWindow],
    parse: Callable[[object, type], Any],
    reversed_: Wording,
) -> _WindowCheck:
    def check(
        value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
    ) -> AnyWindow | None:
        bounds: dict[str, Any] = {}
        for name in ("first", "last"):
            raw = need(name)
            if raw is None:
                continue
            try:
                bounds[name] = parse(raw, object)
            except _Wrong as exc:
                problems.append((name, exc.message, exc.hint))
        if zone is None or len(bounds) < 2:
            return None
        if bounds["last"] < bounds["first"]:
            problems.append(("last", reversed_, _swap_or_correct()))
            return None
        return cls(first=bounds["first"], last=bounds["last"], zone=zone)

    return check


def _swap_or_correct() -> Wording:
    return deferred.gettext("swap them or correct one")


def _check_deadline(
    value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
) -> AnyWindow | None:
    day: dt.date | None = None
    raw_day = need("day")
    if raw_day is not None:
        try:
            day = _structure_date(raw_day, object)
        except _Wrong as exc:
            problems.append(("day", exc.message, exc.hint))
    rule = CutoffRule.END_OF_DAY
    if "rule" in value:
        try:
            rule = typing.cast("CutoffRule", _enum_hook(CutoffRule)(value["rule"], object))
        except _Wrong as exc:
            problems.append(("rule", exc.message, exc.hint))
    time: dt.time | None = None
    if "time" in value:
        try:
            time = _structure_time(value["time"], object)
        except _Wrong as exc:
            problems.append(("time", exc.message, exc.hint))
    if (rule is CutoffRule.AT_TIME) != ("time" in value):
        if rule is CutoffRule.AT_TIME:
            problems.append(
                (
                    "time",
                    deferred.gettext("the at-time rule needs a time"),
                    deferred.gettext("add time = 12:00:00"),
                )
            )
        else:
            problems.append(
                (
                    "time",
                    deferred.gettext(
                        "a time goes only with rule = 'at-time' (rule is %(rule)s)",
                        rule=repr(rule.value),
                    ),
                    deferred.gettext("add rule = 'at-time' or remove the time"),
                )
            )
        return None
    if zone is None or day is None or problems:
        return None
    if time is not None:
        try:
            localize(dt.datetime.combine(day, time), zone)
        except LocalTimeError as exc:
            problems.append(
                ("time", _said(exc), deferred.gettext("pick a time that exists on that day"))
            )
            return None
    return Deadline(day=day, zone=zone, rule=rule, time=time)


def _check_unscheduled(
    value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
) -> AnyWindow | None:
    return None if zone is None else Unscheduled(zone=zone)


_WINDOW_CHECKS: dict[type[AnyWindow], _WindowCheck] = {
    ExactWindow: _check_exact,
    DayWindow: _check_bounds(
        DayWindow, _structure_date, deferred.gettext("the last day is before the first day")
    ),
    MonthWindow: _check_bounds(
        MonthWindow, _structure_month, deferred.gettext("the last month is before the first month")
    ),
    Deadline: _check_deadline,
    Unscheduled: _check_unscheduled,
}
"""The per-kind checks of a window table, after its keys and zone were checked."""


def _window_hook(cls: type[AnyWindow]) -> Callable[[object, type], AnyWindow]:
    """The structure hook of one window kind: keys, zone, then the kind's own checks."""
    allowed = _window_keys(cls)
    check = _WINDOW_CHECKS[cls]

    def structure(value: object, _: type) -> AnyWindow:
        if not isinstance(value, Mapping):
            # Only a call's deadline (a field typed Deadline, not a window) gets here with
            # something else: a window's table and kind were checked by the union's hook.
            raise _Wrong(
                deferred.gettext("expected a deadline table, got %(value)s", value=_kind(value))
                if cls is Deadline
                else deferred.gettext("expected a window table, got %(value)s", value=_kind(value)),
                deferred.gettext(
                    "write e.g. { day = 2020-02-03 } (end of day in the consultation's zone)"
                ),
            )
        if value.get("kind", cls.kind) != cls.kind:
            # A call's deadline may say its kind; it cannot be another one.
            message = (
                deferred.gettext("a deadline has kind = 'deadline'")
                if cls is Deadline
                else deferred.gettext("this window has kind = %(tag)s", tag=repr(cls.kind))
            )
            raise _FieldProblems([("kind", message, deferred.gettext("remove the kind"))])
        problems: _Problems = []
        for key in value:
            if key not in allowed:
                close = _close(str(key), allowed)
                hint = (
                    _did_you_mean_this(close)
                    if close
                    else deferred.gettext(
                        "a %(kind)s window takes %(keys)s", kind=repr(cls.kind), keys=str(allowed)
                    )
                )
                problems.append((str(key), _unknown_key(str(key)), hint))
        zone: str | None = None
        try:
            zone = check_zone_name(value.get("zone"))
        except _Wrong as exc:
            problems.append(("zone", exc.message, exc.hint))
        window: AnyWindow | None = None
        try:
            window = check(value, zone, _Need(value, problems), problems)
        except (ValueError, OverflowError) as exc:  # a rule of the window class itself
            problems.append(("", _said(exc), None))
        if problems or window is None:
            raise _FieldProblems(
                problems or [("", deferred.gettext("the window is incomplete"), None)]
            )
        return window

    return structure


# --------------------------------------------------------------------------- converter


def make_converter() -> cattrs.Converter:
    """Build the one converter that turns consultation files into models and back.

    Structuring is strict and forbids unknown keys; unstructuring gives plain TOML-able
    values (dates, times, strings, tables), omitting fields left at their default.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)

    def table_hook(cls: Any) -> Callable[[object, type], Any]:
        # A string where a table belongs (contact = "Gitanjali Sah") must get a message for
        # people, not the AttributeError of calling .keys() on it.
        inner = _table_structurer(converter, cls)
        keys = ", ".join(f"{a.name} = …" for a in attrs.fields(cls)[:3])

        def structure(value: object, _: type) -> Any:
            if not isinstance(value, Mapping):
                raise _Wrong(
                    _expected_table(value),
                    deferred.gettext("write %(table)s", table=f"{{ {keys} }}"),
                )
            return inner(value, cls)

        return structure

    # Registered first, so the more specific hooks below (windows, texts) win.
    converter.register_structure_hook_factory(
        lambda cls: attrs.has(cls) and cls not in _WINDOW_CHECKS,
        table_hook,
    )
    # Class hooks (the converter's own str/int/bool hooks are class hooks too, and would win
    # over predicates); the enums below get their own, more specific, class hooks.
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(dt.date, _structure_date)
    converter.register_structure_hook(dt.time, _structure_time)
    converter.register_structure_hook(dt.datetime, _structure_instant)
    converter.register_structure_hook(dt.timedelta, _structure_duration)
    converter.register_structure_hook(Text, _structure_text)
    converter.register_structure_hook(Month, _structure_month)
    converter.register_structure_hook_func(
        lambda cls: bool(cls == Mapping[str, str]), _structure_mapping
    )
    converter.register_structure_hook_func(
        lambda cls: bool(cls == Mapping[str, PluginSettings]), _structure_plugins
    )
    # cattrs' own Enum handling wins over a factory, so each enum gets its hook by name.
    for enum_type in (ItemStatus, OrganisationRole, ReminderEdge, CutoffRule, RoundKind):
        converter.register_structure_hook(enum_type, _enum_hook(enum_type))

    def tuple_hook(cls: Any) -> Callable[[object, type], tuple[Any, ...]]:
        item_type = typing.get_args(cls)[0]
        item_hook = converter.get_structure_hook(item_type)

        def structure(value: object, _: type) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _Wrong(
                    deferred.gettext("expected an array, got %(value)s", value=_kind(value)),
                    deferred.gettext("write [ … ]"),
                )
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(item_hook(item, item_type))
                except Exception as exc:  # collected and reported with the index
                    exc.add_note(IterableValidationNote(f"@ index {index}", index, item_type))
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {cls}", errors, cls)
            return tuple(items)

        return structure

    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)

    converter.register_unstructure_hook(Text, lambda text: dict(text.values))
    converter.register_unstructure_hook(Month, str)
    converter.register_unstructure_hook_func(
        lambda cls: bool(cls == Mapping[str, PluginSettings]), _unstructure_plugins
    )
    converter.register_unstructure_hook(dt.timedelta, format_duration)
    converter.register_unstructure_hook(dt.datetime, _unstructure_instant)
    _configure_windows(converter)
    _configure_fields(converter)
    return converter


@attrs.frozen
@shared_value_methods
class _Key:
    """How one attribute of a class is read from a TOML table (see _table_structurer)."""

    name: str
    alias: str
    type: Any
    hook: Callable[[Any, Any], Any] | None
    required: bool


def _table_structurer(
    converter: cattrs.Converter, cls: type
) -> Callable[[Mapping[str, Any], Any], Any]:
    """Structure a table into ``cls`` exactly as cattrs' generated function would.

    The same hooks, the same errors (a ``ClassValidationError`` of the attributes' errors,
    each with its ``AttributeValidationNote``, and a ``ForbiddenExtraKeysError`` for unknown
    keys) in the same order, so _problems_from reads them alike; but no function is
    generated: cattrs writes and compiles one per class, 8 ms of the 16 it takes to
    structure the first file, on every verb that loads one (issue 14).
    """
    fields = attrs.fields(cls)
    if any(isinstance(a.type, str) for a in fields):
        attrs.resolve_types(cls)  # PEP 563 annotations, as cattrs resolves them
        fields = attrs.fields(cls)
    plan: list[_Key] = []
    for a in fields:
        if not a.init:
            continue
        try:
            hook: Callable[[Any, Any], Any] | None = converter.get_structure_hook(
                a.type, cache_result=False
            )
        except StructureHandlerNotFoundError:
            if a.converter is None:
                raise
            hook = None  # the attribute's own converter takes the raw value
        except RecursionError:  # a class that contains itself: look the hook up late
            hook = converter.structure
        if hook is raise_error and a.converter is not None:
            hook = None
        plan.append(_Key(a.name, a.alias, a.type, hook, a.default is attrs.NOTHING))
    allowed = frozenset(key.name for key in plan)
    where = f"While structuring {cls.__name__}"

    def structure(table: Mapping[str, Any], _: Any) -> Any:
        values: dict[str, Any] = {}
        errors: list[Exception] = []
        for key in plan:
            if not key.required and key.name not in table:
                continue
            try:
                raw = table[key.name]
                values[key.alias] = raw if key.hook is None else key.hook(raw, key.type)
            except Exception as exc:  # collected, noted with the attribute, raised together
                note = AttributeValidationNote(
                    f"Structuring class {cls.__qualname__} @ attribute {key.name}",
                    key.name,
                    key.type,
                )
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                errors.append(exc)
        unknown = set(table.keys()) - allowed
        if unknown:
            errors.append(ForbiddenExtraKeysError("", cls, unknown))
        if errors:
            raise ClassValidationError(where, errors, cls)
        try:
            return cls(**values)
        except Exception as exc:
            raise ClassValidationError(where, [exc], cls) from exc

    return structure


def _configure_fields(converter: cattrs.Converter) -> None:
    """A call's fields as a union tagged by ``kind``: each kind's class forbids the keys of
    the others, so ``max_words`` on a number field is an unknown key, with a suggestion."""
    kinds = ", ".join(repr(k) for k in FIELD_TYPES)

    def structure_field(value: object, _: type) -> AnyField:
        if not isinstance(value, Mapping):
            raise _Wrong(
                deferred.gettext("expected a field table, got %(value)s", value=_kind(value)),
                deferred.gettext(
                    'write [[calls.fields]] with key = "…", kind = "text", label = { … }'
                ),
            )
        kind = value.get("kind")
        if kind is None:
            raise _FieldProblems(
                [("kind", deferred.gettext("the field has no kind"), _add_kind(kinds))]
            )
        cls = FIELD_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            close = _close(kind, FIELD_TYPES) if isinstance(kind, str) else None
            hint = _did_you_mean_this(close) if close else _use_one_of(kinds)
            raise _FieldProblems(
                [("kind", deferred.gettext("unknown field kind %(kind)s", kind=_short(kind)), hint)]
            )
        rest = {k: v for k, v in value.items() if k != "kind"}
        field: AnyField = converter.structure(rest, cls)
        return field

    converter.register_structure_hook(AnyField, structure_field)
    field_classes = frozenset(FIELD_TYPES.values())

    def unstructure_hook(cls: Any) -> Callable[[Any], dict[str, Any]]:
        # A factory, so each kind's function is generated when a field of that kind is first
        # written: loading a file (every verb) never unstructures one (issue 14: 14 generated
        # functions, 5-8 ms of start-up).
        inner = converter.gen_unstructure_attrs_fromdict(cls)

        def unstructure(field: Any) -> dict[str, Any]:
            data = {"kind": field.kind, **inner(field)}
            if getattr(field, "vocabulary", None) is not None:
                del data["options"]  # the loader fills them from the vocabulary again
            return data

        return unstructure

    converter.register_unstructure_hook_factory(field_classes.__contains__, unstructure_hook)


def _configure_windows(converter: cattrs.Converter) -> None:
    """Windows as a union tagged by ``kind``, with the checks that keep the messages helpful."""
    for cls in WINDOW_TYPES.values():
        converter.register_structure_hook(cls, _window_hook(cls))
        converter.register_unstructure_hook(cls, _unstructure_window)
    kind_of = {cls: kind for kind, cls in WINDOW_TYPES.items()}
    configure_tagged_union(AnyWindow, converter, tag_generator=kind_of.__getitem__, tag_name="kind")
    tagged = converter.get_structure_hook(AnyWindow)

    def structure_window(value: object, cls: type) -> AnyWindow:
        _check_window_table(value)
        window: AnyWindow = tagged(value, cls)
        return window

    converter.register_structure_hook(AnyWindow, structure_window)


def _unstructure_instant(value: dt.datetime) -> dt.datetime:
    # Instants are written in UTC with a Z-like offset: one reading everywhere.
    utc = to_utc(value)
    return dt.datetime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=dt.UTC,
    )


def _unstructure_window(window: AnyWindow) -> dict[str, Any]:
    """The window as a TOML table: its data, with wall-clock times and native dates.

    Defaults are left out (a deadline's ``end-of-day`` rule and missing time).
    """
    data = window.to_data()
    table: dict[str, Any] = {"kind": data.pop("kind")}
    zone = data.pop("zone")
    for name, raw in data.items():
        if raw is None or (name == "rule" and raw == CutoffRule.END_OF_DAY.value):
            continue
        value = getattr(window, name)
        if isinstance(value, dt.datetime):
            table[name] = _wall_time(value, zone)
        elif isinstance(value, dt.date | dt.time):
            table[name] = value
        else:
            table[name] = raw
    table["zone"] = zone
    return table


def _wall_time(instant: dt.datetime, zone: str) -> dt.datetime:
    """The wall time of ``instant`` in ``zone``, with an offset only where it happens twice."""
    local = to_utc(instant).in_timezone(zone)
    naive = dt.datetime(local.year, local.month, local.day, local.hour, local.minute, local.second)
    try:
        localize(naive, zone)
    except LocalTimeError:
        offset = local.utcoffset()
        assert offset is not None
        return naive.replace(tzinfo=dt.timezone(offset))
    return naive


@functools.cache
def _converter() -> cattrs.Converter:
    return make_converter()


# --------------------------------------------------------------------------- errors


def _problems_from(exc: BaseException, path: str) -> Iterator[_Problem]:
    """Walk a cattrs error tree and yield (field path, message, hint) for each leaf."""
    if isinstance(exc, ForbiddenExtraKeysError):
        fields = [a.name for a in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        for key in sorted(exc.extra_fields):
            close = _close(key, fields)
            hint = (
                _did_you_mean_this(close)
                if close
                else deferred.gettext("allowed keys: %(keys)s", keys=", ".join(fields))
            )
            yield _join(path, key), _unknown_key(key), hint
        return
    if isinstance(exc, BaseValidationError):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = _join(path, str(note.name))
                elif isinstance(note, IterableValidationNote):
                    sub_path = f"{path}[{note.index}]"
            yield from _problems_from(sub, sub_path)
        return
    if isinstance(exc, _FieldProblems):
        for relative, message, advice in exc.problems:
            yield _join(path, relative), message, advice
        return
    if isinstance(exc, KeyError):
        yield path, _missing(), _add(path.rsplit(".", 1)[-1])
        return
    if isinstance(exc, _Wrong):
        yield path, exc.message, exc.hint
        return
    yield path, _said(exc), None


def _unknown_key(key: str) -> Wording:
    return deferred.gettext("unknown key %(key)s", key=repr(key))


def _join(path: str, name: str) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name


# --------------------------------------------------------------------------- loading


def _prepare(data: dict[str, Any], problems: list[_Problem]) -> str | None:
    """Give windows without a zone the consultation's zone; check the zone itself."""
    zone: str | None = None
    if "zone" in data:
        try:
            zone = check_zone_name(data["zone"])
        except _Wrong as exc:
            problems.append(("zone", exc.message, exc.hint))
    stand_in = zone is None
    if zone is None:
        # The zone is missing or wrong, which is reported once. Windows that rely on it get
        # UTC as a stand-in, so their other problems are still found without one more
        # "zone" error each; the file is refused anyway.
        zone = "UTC"
    for list_name, key in (("phases", "window"), ("events", "window"), ("calls", "deadline")):
        items = data.get(list_name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get(key), dict):
                window = dict(item[key])
                window.setdefault("zone", zone)
                items[index] = {**item, key: window}
    calls = data.get("calls")
    if isinstance(calls, list):
        for call in calls:
            review = call.get("review") if isinstance(call, dict) else None
            rounds = review.get("rounds") if isinstance(review, dict) else None
            if not isinstance(rounds, list):
                continue
            for r_index, round_ in enumerate(rounds):
                if isinstance(round_, dict) and isinstance(round_.get("window"), dict):
                    rounds[r_index] = {**round_, "window": {"zone": zone, **round_["window"]}}
        for index, call in enumerate(calls):
            opens = call.get("opens_at") if isinstance(call, dict) else None
            if isinstance(opens, dt.datetime) and opens.tzinfo is None:
                if not MIN_YEAR <= opens.year <= MAX_YEAR:
                    continue  # the strict hook reports it
                try:
                    calls[index] = {**call, "opens_at": localize(opens, zone)}
                except LocalTimeError as exc:
                    problems.append((f"calls[{index}].opens_at", _said(exc), _local_time_hint(exc)))
                    calls[index] = {k: v for k, v in call.items() if k != "opens_at"}
    return None if stand_in else zone


def _references(c: Consultation) -> Iterator[_Problem]:
    """Rules across fields: unique ids, and every reference names something that exists."""
    yield from _check_id("", c.id)
    for language_index, language in enumerate(c.languages):
        if not re.match(_LANGUAGE, language):
            yield (
                f"languages[{language_index}]",
                deferred.gettext("%(tag)s is not a language tag", tag=repr(language)),
                deferred.gettext("use a BCP 47 tag such as en, es, fr, zh, ar, ru"),
            )
    if len(set(c.languages)) != len(c.languages):
        yield (
            "languages",
            deferred.gettext("a language is listed twice"),
            deferred.gettext("list each language once"),
        )
    organisations = [("organisers", o) for o in c.organisers] + [
        ("collaborators", o) for o in c.collaborators
    ]
    lists: list[tuple[str, Sequence[Any]]] = [
        ("groups", c.groups),
        ("phases", c.phases),
        ("calls", c.calls),
        ("events", c.events),
        ("reminders", c.reminders),
    ]
    for name, items in lists:
        yield from _unique(name, items)
    seen_org: dict[str, str] = {}
    for index, (name, org) in enumerate(organisations):
        local = index if name == "organisers" else index - len(c.organisers)
        yield from _check_id(f"{name}[{local}].id", org.id)
        if org.id in seen_org:
            yield (
                f"{name}[{local}].id",
                deferred.gettext("duplicate id %(id)s", id=repr(org.id)),
                _give_own_id(),
            )
        seen_org[org.id] = name
    ordinals: dict[int, int] = {}
    for index, phase in enumerate(c.phases):
        if phase.ordinal in ordinals:
            yield (
                f"phases[{index}].ordinal",
                deferred.gettext(
                    "ordinal %(ordinal)s is also used by %(other)s",
                    ordinal=phase.ordinal,
                    other=f"phases[{ordinals[phase.ordinal]}]",
                ),
                deferred.gettext("number the phases 1, 2, 3, …"),
            )
        ordinals.setdefault(phase.ordinal, index)
        yield from _unique(f"phases[{index}].activities", phase.activities)
    group_ids = [g.id for g in c.groups]
    phase_ids = [p.id for p in c.phases]
    call_ids = [k.id for k in c.calls]
    event_ids = [e.id for e in c.events]
    vocabulary_ids = [v.id for v in c.vocabularies]
    for index, phase in enumerate(c.phases):
        yield from _known(f"phases[{index}].groups", phase.groups, group_ids, "stakeholder group")
        for a_index, activity in enumerate(phase.activities):
            if activity.call is not None and activity.call not in call_ids:
                yield (
                    f"phases[{index}].activities[{a_index}].call",
                    _unknown("call", activity.call),
                    _did_you_mean(activity.call, call_ids, "calls"),
                )
    for index, call in enumerate(c.calls):
        where = f"calls[{index}]"
        yield from _known(f"{where}.groups", call.groups, group_ids, "stakeholder group")
        yield from _unique(f"{where}.requirements", call.requirements)
        if call.quota is not None:
            for key in ("per_email", "per_organisation"):
                value = getattr(call.quota, key)
                if value is not None and (isinstance(value, bool) or value < 1):
                    yield (
                        f"{where}.quota.{key}",
                        deferred.gettext(
                            "must be a whole number of at least 1, not %(value)s", value=repr(value)
                        ),
                        deferred.gettext("leave the key out for no limit"),
                    )
        if call.attachments is not None:
            yield from _attachment_problems(f"{where}.attachments", call.attachments)
        if call.opens_at is not None and call.opens_with is not None:
            yield (
                f"{where}.opens_with",
                deferred.gettext("a call opens either at an instant or with a phase, not both"),
                deferred.gettext("remove opens_at or opens_with"),
            )
        if call.deadline is not None and call.closes_with is not None:
            yield (
                f"{where}.closes_with",
                deferred.gettext(
                    "a call closes either with its own deadline or with a phase, not both"
                ),
                deferred.gettext("remove deadline or closes_with"),
            )
        if call.opens_with is not None and call.opens_with not in phase_ids:
            yield (
                f"{where}.opens_with",
                _unknown("phase", call.opens_with),
                _did_you_mean(call.opens_with, phase_ids, "phases"),
            )
        if call.closes_with is not None:
            if call.closes_with not in phase_ids:
                yield (
                    f"{where}.closes_with",
                    _unknown("phase", call.closes_with),
                    _did_you_mean(call.closes_with, phase_ids, "phases"),
                )
            elif not isinstance(c.phase(call.closes_with).window, Deadline):
                yield (
                    f"{where}.closes_with",
                    deferred.gettext(
                        "phase %(id)s has no deadline to close with", id=repr(call.closes_with)
                    ),
                    deferred.gettext(
                        "give that phase a window of kind 'deadline', or give the call a deadline"
                    ),
                )
        yield from _field_declarations(where, call.fields, c.languages)
        yield from _review_declarations(f"{where}.review", call.review, c.languages)
        yield from _known(
            f"{where}.tag_vocabularies", call.tag_vocabularies, vocabulary_ids, "vocabulary"
        )
    round_refs = [round_ref(k.id, r.id) for k in c.calls for r in k.review.rounds]
    yield from _vocabularies(c)
    for index, reminder in enumerate(c.reminders):
        where = f"reminders[{index}]"
        kind, _, target = reminder.anchor.partition(":")
        known = {"phase": phase_ids, "event": event_ids, "call": call_ids, "review": round_refs}
        if kind not in known:
            yield (
                f"{where}.anchor",
                deferred.gettext("anchor %(anchor)s names no item", anchor=repr(reminder.anchor)),
                deferred.gettext("write phase:ID, event:ID, call:ID or review:CALL/ROUND"),
            )
        elif target not in known[kind]:
            yield (
                f"{where}.anchor",
                _unknown(kind, target),
                _did_you_mean(target, known[kind], f"{kind}s"),
            )
        elif reminder.edge is ReminderEdge.DEADLINE and kind == "event":
            yield (
                f"{where}.edge",
                deferred.gettext("an event has no deadline"),
                deferred.gettext("use edge = 'start' or 'end'"),
            )
        for b_index, before in enumerate(reminder.before):
            if before < dt.timedelta(0):
                yield (
                    f"{where}.before[{b_index}]",
                    deferred.gettext("a reminder cannot come after its anchor"),
                    None,
                )
        for a_index, audience in enumerate(reminder.audience):
            if audience in ("subscribers", "organisers"):
                continue
            if audience.startswith("group:") and audience[6:] in group_ids:
                continue
            if audience == REVIEWERS_AUDIENCE:
                if kind != "review":
                    yield (
                        f"{where}.audience[{a_index}]",
                        deferred.gettext("only a review round has reviewers to remind"),
                        deferred.gettext(
                            "anchor the reminder to review:CALL/ROUND, or choose another audience"
                        ),
                    )
                continue
            yield (
                f"{where}.audience[{a_index}]",
                deferred.gettext("unknown audience %(audience)s", audience=repr(audience)),
                deferred.gettext(
                    "write 'subscribers', 'organisers', 'group:ID' with a known group,"
                    " or 'reviewers' for a review:CALL/ROUND anchor"
                ),
            )


def _translated(
    path: str, text: Text, languages: Sequence[str], *, required: bool
) -> Iterator[_Problem]:
    if not text and not required:
        return
    missing = [lang for lang in languages if not text.values.get(lang, "").strip()]
    if missing:
        yield (
            path,
            deferred.gettext("no text in %(languages)s", languages=", ".join(missing)),
            deferred.gettext(
                "a field is shown in every language of the consultation: add %(keys)s",
                keys=", ".join(f"{lang} = …" for lang in missing),
            ),
        )


def _bounds(where: str, field: Any, low: str, high: str) -> Iterator[_Problem]:
    least, most = getattr(field, low), getattr(field, high)
    for name, value in ((low, least), (high, most)):
        if value is not None and value < 0:
            yield (
                f"{where}.{name}",
                deferred.gettext("a limit cannot be negative"),
                deferred.gettext("use 0 or more"),
            )
    if least is not None and most is not None and most < least:
        yield (
            f"{where}.{high}",
            deferred.gettext("%(high)s is below %(low)s", high=high, low=low),
            _swap_or_correct(),
        )


def _field_declarations(
    call_path: str, fields: Sequence[AnyField], languages: Sequence[str]
) -> Iterator[_Problem]:
    """A call's fields: keys unique ids, texts in every language, limits that make sense."""
    yield from _unique_keys(f"{call_path}.fields", fields)
    for index, field in enumerate(fields):
        where = f"{call_path}.fields[{index}]"
        yield from _translated(f"{where}.label", field.label, languages, required=True)
        yield from _translated(f"{where}.help", field.help, languages, required=False)
        if isinstance(field, ChoiceField | MultipleChoiceField):
            if not field.options and field.vocabulary is None:
                yield (
                    f"{where}.options",
                    deferred.gettext("a choice needs options"),
                    deferred.gettext("add options = [ { value = …, label = { … } } ]"),
                )
            seen: set[str] = set()
            for o_index, option in enumerate(field.options):
                at = f"{where}.options[{o_index}]"
                if not option.value.strip() or "\x00" in option.value:
                    yield (
                        f"{at}.value",
                        deferred.gettext("an option needs a value"),
                        deferred.gettext('write value = "…"'),
                    )
                elif option.value in seen:
                    yield (
                        f"{at}.value",
                        deferred.gettext("duplicate option %(value)s", value=repr(option.value)),
                        deferred.gettext("list each option once"),
                    )
                seen.add(option.value)
                yield from _translated(f"{at}.label", option.label, languages, required=True)
        if isinstance(field, TextField):
            yield from _bounds(where, field, "min_characters", "max_characters")
            yield from _bounds(where, field, "min_words", "max_words")
        elif isinstance(field, MultipleChoiceField):
            yield from _bounds(where, field, "min_choices", "max_choices")
        elif isinstance(field, PeopleField):
            yield from _bounds(where, field, "min_people", "max_people")
        elif isinstance(field, NumberField):
            for name in ("minimum", "maximum"):
                value = getattr(field, name)
                if value is not None and not math.isfinite(value):
                    yield (
                        f"{where}.{name}",
                        deferred.gettext("the limit is not a finite number"),
                        None,
                    )
            if (
                field.minimum is not None
                and field.maximum is not None
                and field.maximum < field.minimum
            ):
                yield (
                    f"{where}.maximum",
                    deferred.gettext("maximum is below minimum"),
                    _swap_them(),
                )
        elif isinstance(field, DateField):
            if field.minimum and field.maximum and field.maximum < field.minimum:
                yield (
                    f"{where}.maximum",
                    deferred.gettext("maximum is before minimum"),
                    _swap_them(),
                )
        elif isinstance(field, FileField):
            if field.max_bytes is not None and field.max_bytes < 1:
                yield (
                    f"{where}.max_bytes",
                    deferred.gettext("a file limit must be at least 1 byte"),
                    None,
                )
            for t_index, ending in enumerate(field.types):
                if not re.fullmatch(r"[A-Za-z0-9]+", ending):
                    yield (
                        f"{where}.types[{t_index}]",
                        deferred.gettext("%(ending)s is not a file ending", ending=repr(ending)),
                        deferred.gettext("write it without the dot, e.g. 'pdf'"),
                    )
                elif ending.lower() not in ENDING_TYPES:
                    yield (
                        f"{where}.types[{t_index}]",
                        deferred.gettext(
                            "consultkit cannot check that a file really is .%(ending)s",
                            ending=ending,
                        ),
                        deferred.gettext(
                            "use endings it can check: %(endings)s",
                            endings=", ".join(ENDING_TYPES),
                        ),
                    )


def _swap_them() -> Wording:
    return deferred.gettext("swap them")


def _review_declarations(
    path: str, review: CallReview, languages: Sequence[str]
) -> Iterator[_Problem]:
    """A call's review rounds: ids unique, numbers that make sense, rubrics that can score."""
    yield from _unique(f"{path}.rounds", review.rounds)
    for index, round_ in enumerate(review.rounds):
        where = f"{path}.rounds[{index}]"
        yield from _translated(f"{where}.title", round_.title, languages, required=True)
        yield from _translated(
            f"{where}.description", round_.description, languages, required=False
        )
        if round_.per_submission < 1:
            yield (
                f"{where}.per_submission",
                deferred.gettext("each submission needs 1 reviewer or more"),
                None,
            )
        if not 1 <= round_.min_groups <= max(round_.per_submission, 1):
            yield (
                f"{where}.min_groups",
                deferred.gettext(
                    "%(groups)s stakeholder groups cannot come from %(reviewers)s reviewers",
                    groups=round_.min_groups,
                    reviewers=round_.per_submission,
                ),
                deferred.gettext("use 1 up to per_submission"),
            )
        if len(set(round_.reviewers)) != len(round_.reviewers):
            yield (
                f"{where}.reviewers",
                deferred.gettext("a reviewer is listed twice"),
                deferred.gettext("list each reviewer once"),
            )
        if round_.kind is RoundKind.SCREENING and round_.criteria:
            yield (
                f"{where}.criteria",
                deferred.gettext("a screening round asks for pass or fail, not scores"),
                deferred.gettext("remove the criteria, or make it kind = 'scoring'"),
            )
        if round_.kind is RoundKind.SCORING and not round_.criteria:
            yield (
                f"{where}.criteria",
                deferred.gettext("a scoring round needs a rubric"),
                deferred.gettext(
                    "add [[calls.review.rounds.criteria]] with id, label, min, max and weight"
                ),
            )
        yield from _unique(f"{where}.criteria", round_.criteria)
        for c_index, criterion in enumerate(round_.criteria):
            at = f"{where}.criteria[{c_index}]"
            yield from _translated(f"{at}.label", criterion.label, languages, required=True)
            yield from _translated(f"{at}.help", criterion.help, languages, required=False)
            if criterion.max <= criterion.min:
                yield (
                    f"{at}.max",
                    deferred.gettext("the scale's max must be above its min"),
                    deferred.gettext("e.g. min = 1, max = 5"),
                )
            if not (math.isfinite(criterion.weight) and criterion.weight > 0):
                yield (
                    f"{at}.weight",
                    deferred.gettext("a weight must be a positive number"),
                    deferred.gettext("e.g. weight = 1.0"),
                )


def _vocabularies(c: Consultation) -> Iterator[_Problem]:
    """Vocabularies: ids, labels in every language, and term ids unique across all of them
    (a stored tag is a bare term id, so it must name one term)."""
    yield from _unique("vocabularies", c.vocabularies)
    terms: dict[str, str] = {}
    for index, vocabulary in enumerate(c.vocabularies):
        where = f"vocabularies[{index}]"
        yield from _translated(f"{where}.label", vocabulary.label, c.languages, required=True)
        yield from _translated(
            f"{where}.description", vocabulary.description, c.languages, required=False
        )
        if not vocabulary.terms:
            yield (
                f"{where}.terms",
                deferred.gettext("a vocabulary needs terms"),
                deferred.gettext("add terms = [ { id = …, label = { … } } ]"),
            )
        for t_index, term in enumerate(vocabulary.terms):
            at = f"{where}.terms[{t_index}]"
            yield from _check_id(f"{at}.id", term.id)
            if term.id in terms:
                yield (
                    f"{at}.id",
                    deferred.gettext(
                        "duplicate term %(id)s (also %(other)s)",
                        id=repr(term.id),
                        other=terms[term.id],
                    ),
                    deferred.gettext("a tag names one term: give each term its own id"),
                )
            terms.setdefault(term.id, f"{at}.id")
            yield from _translated(f"{at}.label", term.label, c.languages, required=True)


def _vocabulary_options(c: Consultation, problems: list[_Problem]) -> Consultation:
    """``c`` with each choice field that names a vocabulary given its terms as options."""
    by_id = {v.id: v for v in c.vocabularies}
    vocabulary_ids = list(by_id)
    calls = []
    for c_index, call in enumerate(c.calls):
        fields: list[AnyField] = []
        for f_index, field in enumerate(call.fields):
            if isinstance(field, ChoiceField | MultipleChoiceField) and field.vocabulary:
                where = f"calls[{c_index}].fields[{f_index}]"
                vocabulary = by_id.get(field.vocabulary)
                if vocabulary is None:
                    problems.append(
                        (
                            f"{where}.vocabulary",
                            _unknown("vocabulary", field.vocabulary),
                            _did_you_mean(field.vocabulary, vocabulary_ids, "vocabularies"),
                        )
                    )
                elif field.options:
                    problems.append(
                        (
                            f"{where}.options",
                            deferred.gettext(
                                "a field takes its options from a vocabulary or lists them,"
                                " not both"
                            ),
                            deferred.gettext(
                                "remove options: the vocabulary's terms are the options"
                            ),
                        )
                    )
                else:
                    options = tuple(Option(value=t.id, label=t.label) for t in vocabulary.terms)
                    field = attrs.evolve(field, options=options)
            fields.append(field)
        calls.append(attrs.evolve(call, fields=tuple(fields)))
    return attrs.evolve(c, calls=tuple(calls))


def _unique_keys(path: str, fields: Sequence[AnyField]) -> Iterator[_Problem]:
    seen: dict[str, int] = {}
    for index, field in enumerate(fields):
        if not re.match(_FIELD_KEY, field.key):
            yield (
                f"{path}[{index}].key",
                deferred.gettext("%(key)s is not a field key", key=repr(field.key)),
                deferred.gettext("use lower-case letters, digits and '_', starting with a letter"),
            )
        if field.key in seen:
            yield (
                f"{path}[{index}].key",
                deferred.gettext(
                    "duplicate key %(key)s (also %(other)s)",
                    key=repr(field.key),
                    other=f"{path}[{seen[field.key]}]",
                ),
                deferred.gettext("give each field its own key"),
            )
        seen.setdefault(field.key, index)


_FIELD_KEY = r"^[a-z][a-z0-9_]{0,62}$"


def _links(c: Consultation) -> Iterator[_Problem]:
    """Links that calendars and pages would publish, and the contact address.

    A ``javascript:`` link runs script where a reader clicks it, and a line break in an
    address starts a new header or property; the exporters drop such values again
    (:func:`consultkit.domain.links.safe_url`), but the organiser hears about them here.
    """
    links: list[tuple[str, str | None]] = [("website", c.website)]
    for name, orgs in (("organisers", c.organisers), ("collaborators", c.collaborators)):
        links.extend((f"{name}[{i}].url", org.url) for i, org in enumerate(orgs))
    places: list[tuple[str, Place | None]] = [
        *((f"phases[{i}].place", phase.place) for i, phase in enumerate(c.phases)),
        *((f"events[{i}].place", event.place) for i, event in enumerate(c.events)),
    ]
    links.extend((f"{path}.online_url", place.online_url) for path, place in places if place)
    links.extend((f"events[{i}].url", event.url) for i, event in enumerate(c.events))
    links.extend((f"calls[{i}].url", call.url) for i, call in enumerate(c.calls))
    for path, url in links:
        problem = None if url is None else url_problem(url)
        if problem is not None:
            yield (
                path,
                problem,
                deferred.gettext(
                    "write the address of a web page on one line, e.g. https://www.wsis.org/forum"
                ),
            )
    email = c.contact.email
    problem = None if email is None else email_problem(email)
    if problem is not None:
        yield (
            "contact.email",
            problem,
            deferred.gettext("write one address on one line, e.g. wsis-info@itu.int"),
        )


def _check_id(path: str, value: str) -> Iterator[_Problem]:
    if not re.match(_ID, value):
        yield (
            path or "id",
            deferred.gettext("%(id)s is not a valid id", id=repr(value)),
            deferred.gettext(
                "use letters, digits, '.', '_' and '-', starting with a letter or digit"
            ),
        )


def _give_own_id() -> Wording:
    return deferred.gettext("give each one its own id")


def _unique(path: str, items: Sequence[Any]) -> Iterator[_Problem]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        yield from _check_id(f"{path}[{index}].id", item.id)
        if item.id in seen:
            yield (
                f"{path}[{index}].id",
                deferred.gettext(
                    "duplicate id %(id)s (also %(other)s)",
                    id=repr(item.id),
                    other=f"{path}[{seen[item.id]}]",
                ),
                _give_own_id(),
            )
        seen.setdefault(item.id, index)


def _known(path: str, values: Sequence[str], known: Sequence[str], what: str) -> Iterator[_Problem]:
    for index, value in enumerate(values):
        if value not in known:
            yield (
                f"{path}[{index}]",
                _unknown(what, value),
                _did_you_mean(value, known, f"{what}s"),
            )


def _fail(
    problems: Sequence[_Problem], file: str | None, locator: KeyLocator | None
) -> ConfigError:
    return ConfigError(
        [
            Problem(
                path=path,
                message=message,
                hint=hint,
                file=file,
                line=locator.line_of(path) if locator is not None and path else None,
            )
            for path, message, hint in problems
        ]
    )


def structure_consultation(
    data: Mapping[str, Any], *, file: str | None = None, locator: KeyLocator | None = None
) -> Consultation:
    """Build a consultation from an already parsed TOML document (a nested dict)."""
    if not isinstance(data, Mapping):
        raise _fail(
            [("", deferred.gettext("a consultation file holds a table at the top"), None)],
            file,
            locator,
        )
    document = dict(data)
    problems: list[_Problem] = []
    _prepare(document, problems)
    try:
        consultation = _converter().structure(document, Consultation)
    except Exception as exc:  # every structuring failure becomes a located problem
        seen = {path for path, _, _ in problems}
        problems.extend(p for p in _problems_from(exc, "") if p[0] not in seen)
        raise _fail(problems, file, locator) from None
    consultation = _vocabulary_options(consultation, problems)
    problems.extend(_references(consultation))
    problems.extend(_links(consultation))
    if problems:
        raise _fail(problems, file, locator)
    return consultation


_TOML_POSITION = r"\(at line (\d+), column (\d+)\)"


def loads_consultation(text: str, *, file: str | None = None) -> Consultation:
    """Parse a consultation from TOML ``text``; ``file`` names it in error messages."""
    return _loads_located(text, file)[0]


def _loads_located(text: str, file: str | None) -> tuple[Consultation, KeyLocator]:
    try:
        return _parse_located(text, file)
    except RecursionError:
        # tomllib, the locator and cattrs recurse once per level: hundreds of nested
        # arrays or inline tables exhaust the stack (issue 9). No consultation needs that.
        raise ConfigError(
            [
                Problem(
                    path="",
                    message=deferred.gettext("not usable TOML: values are nested too deeply"),
                    hint=deferred.gettext(
                        "a consultation needs a few levels of arrays and tables; flatten the value"
                    ),
                    file=file,
                    line=_deepest_line(text),
                )
            ]
        ) from None


def _deepest_line(text: str) -> int | None:
    """The line where brackets first open deepest (strings and comments are not skipped:
    a rough pointer for the error message, not a parser)."""
    depth = deepest = 0
    where = None
    for number, line in enumerate(text.split("\n"), start=1):
        for ch in line:
            if ch in "[{":
                depth += 1
                if depth > deepest:
                    deepest, where = depth, number
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return where


def _parse_located(text: str, file: str | None) -> tuple[Consultation, KeyLocator]:
    data = parse_toml(text, file)
    if not data:
        raise ConfigError(
            [
                Problem(
                    path="",
                    message=deferred.gettext("the file holds no consultation (it is empty)"),
                    hint=deferred.gettext(
                        "start from examples/wsis2020/consultation.toml; the format is in"
                        " docs/configuration.md"
                    ),
                    file=file,
                )
            ]
        )
    locator = KeyLocator.scan(text)
    return structure_consultation(data, file=file, locator=locator), locator


def parse_toml(text: str, file: str | None) -> dict[str, Any]:
    """``text`` as TOML, or a :class:`ConfigError` locating the syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        lines = text.split("\n")
        match = re.search(_TOML_POSITION, message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not match and message.endswith("(at end of document)"):
            message = message.removesuffix("(at end of document)")
            line, column = len(lines), len(lines[-1]) + 1
        message = re.sub(_TOML_POSITION, "", message).strip()
        hint: Wording | None = None
        if "date" in message.lower():
            hint = deferred.gettext(
                "check that the date exists (there is no 30 February) and is written YYYY-MM-DD"
            )
        elif "overwrite" in message.lower():
            hint = deferred.gettext("a key or table is written twice; keep one")
        error = toml_error(message)
        said = (
            deferred.gettext(
                "not valid TOML: %(error)s (column %(column)s)", error=error, column=column
            )
            if line
            else deferred.gettext("not valid TOML: %(error)s", error=error)
        )
        # tomllib keeps no paths, but the scanner reads what it can of the broken text.
        path = ""
        if line:
            before = lines[line - 1][: column - 1] if line <= len(lines) else ""
            path = KeyLocator.scan(text).path_at(line, before) or ""
        raise ConfigError(
            [
                Problem(
                    path=path,
                    message=said,
                    hint=hint,
                    file=file,
                    line=line or None,
                )
            ]
        ) from None


def load_consultation(path: str | Path) -> Consultation:
    """Load a consultation from a TOML file (see ``docs/configuration.md``)."""
    return load_located(path)[0]


def load_located(path: str | Path) -> tuple[Consultation, KeyLocator]:
    """Load a consultation and the locator that maps its field paths to lines of the file."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [
                Problem(
                    path="",
                    message=deferred.gettext("no such file"),
                    hint=_check_the_path(),
                    file=name,
                )
            ]
        ) from None
    except OSError as exc:
        if isinstance(exc, IsADirectoryError) or Path(path).is_dir():
            hint = deferred.gettext(
                "give the path of a consultation .toml file, not of a directory"
            )
        elif isinstance(exc, PermissionError):
            hint = deferred.gettext("check the file's permissions")
        else:
            hint = _check_the_path()
        message = deferred.gettext("cannot read: %(reason)s", reason=os_reason(exc))
        raise ConfigError([Problem(path="", message=message, hint=hint, file=name)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                Problem(
                    path="",
                    message=deferred.gettext("the file is not UTF-8 text"),
                    hint=deferred.gettext("save it as UTF-8"),
                    file=name,
                    line=line,
                )
            ]
        ) from None
    return _loads_located(text, name)


def _check_the_path() -> Wording:
    return deferred.gettext("check the path")


# --------------------------------------------------------------------------- dumping


def unstructure_consultation(consultation: Consultation) -> dict[str, Any]:
    """The consultation as a TOML-able nested dict, in the file format's key order."""
    data = _converter().unstructure(consultation)
    assert isinstance(data, dict)
    zone = consultation.zone
    for list_name, key in (("phases", "window"), ("events", "window"), ("calls", "deadline")):
        for item in data.get(list_name, ()):
            window = item.get(key)
            if isinstance(window, dict):
                if window.get("zone") == zone:
                    del window["zone"]
                if key == "deadline":
                    window.pop("kind", None)
    plain: dict[str, Any] = _plain(data)
    return plain


def _plain(value: Any) -> Any:
    """Lists for tuples, nothing for None, recursively: what tomli-w can write."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def dump_consultation(consultation: Consultation) -> str:
    """Write ``consultation`` as TOML that :func:`loads_consultation` reads back equal."""
    import tomli_w

    return tomli_w.dumps(unstructure_consultation(consultation))
