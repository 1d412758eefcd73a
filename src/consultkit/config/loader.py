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
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.strategies import configure_tagged_union

from consultkit.config.locator import KeyLocator
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
from consultkit.errors import ConfigError, Problem

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

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


class _FieldProblems(Exception):
    """Raised by the hand-written hooks: problems relative to the value being structured."""

    def __init__(self, problems: Sequence[tuple[str, str, str | None]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p}: {m}" for p, m, _ in self.problems))


class _Wrong(ValueError):
    """A value is wrong; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)


# --------------------------------------------------------------------------- suggestions


def _close(word: str, choices: Iterable[str]) -> str | None:
    return closest(word, choices)


def _attachment_problems(where: str, allowed: Attachments) -> Iterator[tuple[str, str, str]]:
    known = list(ACCEPTABLE_TYPES)
    if not allowed.types:
        yield (f"{where}.types", "lists no media type", f"allow some of {', '.join(known)}")
    for t_index, media_type in enumerate(allowed.types):
        if media_type not in ACCEPTABLE_TYPES:
            yield (
                f"{where}.types[{t_index}]",
                f"{media_type!r} is not a type whose content can be checked",
                _did_you_mean(media_type, known, "types"),
            )
    for key in ("max_bytes", "max_files"):
        value = getattr(allowed, key)
        if isinstance(value, bool) or value < 1:
            yield (f"{where}.{key}", f"must be a whole number of at least 1, not {value!r}", "")


def _did_you_mean(word: str, choices: Iterable[str], what: str) -> str:
    options = sorted(choices)
    close = _close(word, options)
    if close:
        return f"did you mean {close!r}?"
    listed = ", ".join(options) if options else "none"
    return f"known {what}: {listed}"


def _zone_hint(name: str) -> str:
    suggestion = suggest_zone(name)
    if suggestion:
        return f"did you mean {suggestion!r}? Use an IANA zone name"
    return "use an IANA zone name such as 'Europe/Zurich' or 'UTC'"


def check_zone_name(value: object) -> str:
    """Return ``value`` if it is a known IANA zone name, else raise a helpful error."""
    if not isinstance(value, str):
        raise _Wrong(f"expected a zone name (a string), got {_kind(value)}")
    if not value or value != value.strip() or value.startswith(("+", "-")) or ".." in value:
        raise _Wrong(f"unknown time zone {value!r}", _zone_hint(value))
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise _Wrong(f"unknown time zone {value!r}", _zone_hint(value)) from None
    problem = legacy_zone_problem(value)
    if problem is not None:
        raise _Wrong(problem)
    return value


def _kind(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
        dt.datetime: "a date-time",
        dt.date: "a date",
        dt.time: "a time",
    }
    for cls, name in names.items():
        if type(value) is cls:
            return f"{name} ({_short(value)})"
    return type(value).__name__


def _short(value: object) -> str:
    # Dates and times as the file writes them, never Python's datetime.datetime(2020, 4, 17).
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- scalar hooks


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Wrong(
            f"year {year} is out of range", f"use a year between {MIN_YEAR} and {MAX_YEAR}"
        )


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _Wrong(f"expected a string, got {_kind(value)}", "put the value in quotes")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        hint = "remove the quotes" if isinstance(value, str) and value.strip().isdigit() else None
        raise _Wrong(f"expected an integer, got {_kind(value)}", hint)
    return value


def _structure_float(value: object, _: type) -> float:
    # An integer stays one (a limit of 3 is written back as 3, not 3.0).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Wrong(f"expected a number, got {_kind(value)}", "write a number without quotes")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Wrong(f"expected true or false, got {_kind(value)}", "write true or false")
    return value


def _structure_date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _Wrong(f"expected a date, got {_kind(value)}", "write a TOML date such as 2020-02-03")
    _check_year(value.year)
    return value


def _structure_time(value: object, _: type) -> dt.time:
    if not isinstance(value, dt.time):
        raise _Wrong(f"expected a time, got {_kind(value)}", "write a TOML time such as 17:00:00")
    if value.tzinfo is not None:
        raise _Wrong("a time of day takes no offset", "the window's zone gives the offset")
    return value


def _structure_instant(value: object, _: type) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise _Wrong(
            f"expected a date-time, got {_kind(value)}",
            "write a TOML date-time such as 2019-06-04T16:00:00",
        )
    _check_year(value.year)
    if value.tzinfo is None:
        raise _Wrong("a date-time here needs an offset", "add one, e.g. 2019-06-04T16:00:00+02:00")
    return to_utc(value)


def parse_duration(text: str) -> dt.timedelta:
    """Parse an ISO 8601 duration of weeks, days, hours, minutes, seconds (``P7D``, ``PT1H``)."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise _Wrong(
            f"not a duration {text!r}",
            "write ISO 8601 such as 'P7D' (7 days), 'PT1H' (1 hour) or 'P1DT12H'",
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
        raise _Wrong(f"expected a duration, got {_kind(value)}", "write e.g. 'P7D' or 'PT1H'")
    return parse_duration(value)


def _structure_text(value: object, _: type) -> Text:
    if not isinstance(value, Mapping):
        raise _Wrong(
            f"expected a table of texts by language, got {_kind(value)}",
            'write e.g. { en = "…", es = "…" }',
        )
    problems: list[tuple[str, str, str | None]] = []
    values: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not _LANGUAGE.match(key):
            problems.append(
                (str(key), f"{key!r} is not a language tag", "use a tag such as en, es, fr, zh")
            )
        elif not isinstance(text, str):
            problems.append((key, f"expected a string, got {_kind(text)}", None))
        else:
            values[key] = text
    if problems:
        raise _FieldProblems(problems)
    return Text(values)


def _structure_mapping(value: object, _: type) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _Wrong(f"expected a table, got {_kind(value)}")
    problems: list[tuple[str, str, str | None]] = []
    for key, item in value.items():
        if not isinstance(item, str):
            problems.append((str(key), f"expected a string, got {_kind(item)}", None))
    if problems:
        raise _FieldProblems(problems)
    return {str(k): v for k, v in value.items()}


_PLUGIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Keys that name a secret: the consultation file is published, so they are refused.
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)")


def _setting_value(value: object) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    return isinstance(value, list) and all(isinstance(v, bool | int | float | str) for v in value)


def _structure_plugins(value: object, _: type) -> dict[str, PluginSettings]:
    if not isinstance(value, Mapping):
        raise _Wrong(f"expected a table, got {_kind(value)}", "write [plugins.NAME] tables")
    problems: list[tuple[str, str, str | None]] = []
    found: dict[str, PluginSettings] = {}
    for name, table in value.items():
        if not _PLUGIN_NAME.match(str(name)):
            problems.append(
                (
                    str(name),
                    f"not a plugin name: {name!r}",
                    "use the name `consultkit plugins` shows",
                )
            )
            continue
        if not isinstance(table, Mapping):
            problems.append(
                (
                    name,
                    f"expected a table, got {_kind(table)}",
                    f"write [plugins.{name}] with key = value lines under it",
                )
            )
            continue
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            problems.append(
                (f"{name}.enabled", f"expected true or false, got {_kind(enabled)}", None)
            )
        values: dict[str, Any] = {}
        for key, item in table.items():
            if key == "enabled":
                continue
            if _SECRET_KEY.search(str(key).lower()):
                problems.append(
                    (
                        f"{name}.{key}",
                        "looks like a secret, and the consultation file is public",
                        f"put it in the environment (CONSULTKIT_...) or the settings file the"
                        f" plugin reads, not in [plugins.{name}]",
                    )
                )
            elif not _setting_value(item):
                problems.append(
                    (
                        f"{name}.{key}",
                        f"a plugin setting is text, a number, true/false or a list of those,"
                        f" not {_kind(item)}",
                        "write it as a string",
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
        raise _Wrong(f"expected a month, got {_kind(value)}", "write it as a string: '2020-01'")
    try:
        month = Month.parse(value)
    except ValueError as exc:
        raise _Wrong(str(exc), "write the year and the month as a string: '2020-01'") from None
    _check_year(month.year)
    return month


def _enum_hook(cls: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    values = [str(member.value) for member in cls]

    def structure(value: object, _: type) -> enum.Enum:
        for member in cls:
            if value == member.value and type(value) is type(member.value):
                return member
        choices = ", ".join(repr(v) for v in values)
        hint = f"use one of {choices}"
        if isinstance(value, str):
            close = _close(value, values)
            if close:
                hint = f"did you mean {close!r}? Use one of {choices}"
        raise _Wrong(f"{_short(value)} is not allowed here", hint)

    return structure


def _is_homogeneous_tuple(cls: Any) -> bool:
    args = typing.get_args(cls)
    return typing.get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis


# --------------------------------------------------------------------------- windows

# Windows are a tagged union on ``kind`` (cattrs' ``configure_tagged_union``): the tag picks
# the kind's class in ``WINDOW_TYPES`` and that class's structure hook below. Each hook
# checks the keys and the zone the same way, then the fields of its kind, collecting every
# problem with its own message and hint; a new kind registers its checks in
# ``_WINDOW_CHECKS``.

_Problems = list[tuple[str, str, str | None]]


def _window_keys(cls: type[AnyWindow]) -> tuple[str, ...]:
    """The keys a window table of kind ``cls`` may have, in the documented order."""
    return ("kind", *(a.name for a in attrs.fields(cls)))


def _local_datetime(
    value: object, zone: str, field: str, problems: list[tuple[str, str, str | None]]
) -> Any:
    """Turn a TOML date-time (local, or with an offset that picks a fold) into a zoned time."""
    if not isinstance(value, dt.datetime):
        hint = "write a TOML date-time such as 2019-06-04T16:00:00"
        if isinstance(value, dt.date):
            hint += ", or use kind = 'days' for whole days"
        problems.append((field, f"expected a date-time, got {_kind(value)}", hint))
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        problems.append(
            (field, f"year {value.year} is out of range", f"use {MIN_YEAR} to {MAX_YEAR}")
        )
        return None
    try:
        return localize(value.replace(tzinfo=None), zone, offset=value.utcoffset())
    except LocalTimeError as exc:
        hint = (
            "write the offset after the time, e.g. 2019-10-27T02:30:00+02:00"
            if "twice" in str(exc)
            else "pick a time that exists in that zone"
        )
        problems.append((field, str(exc), hint))
        return None


def _check_window_table(value: object) -> None:
    """Refuse what the tagged union cannot dispatch: no table, no kind, an unknown kind."""
    if not isinstance(value, Mapping):
        raise _Wrong(
            f"expected a window table, got {_kind(value)}",
            "write e.g. { kind = 'days', first = 2019-11-25, last = 2019-11-29 }",
        )
    kind = value.get("kind")
    if kind not in WINDOW_TYPES:
        kinds = ", ".join(repr(k) for k in WINDOW_TYPES)
        if kind is None:
            raise _FieldProblems([("kind", "the window has no kind", f"add kind = one of {kinds}")])
        close = _close(kind, WINDOW_TYPES) if isinstance(kind, str) else None
        hint = f"did you mean {close!r}?" if close else f"use one of {kinds}"
        raise _FieldProblems([("kind", f"unknown window kind {_short(kind)}", hint)])


class _Need:
    """Reads required fields of a window table, noting each missing one as a problem."""

    def __init__(self, value: Mapping[str, Any], problems: _Problems) -> None:
        self._value = value
        self._problems = problems

    def __call__(self, name: str) -> object:
        if name not in self._value:
            self._problems.append((name, "required field is missing", f"add {name} = …"))
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
        problems.append(("end", "the window ends before it starts", "make end later than start"))
        return None
    return ExactWindow(start=begin, end=finish, zone=zone)


def _check_bounds(
    cls: type[DayWindow | MonthWindow],
    parse: Callable[[object, type], Any],
    what: str,
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
                problems.append((name, str(exc), exc.hint))
        if zone is None or len(bounds) < 2:
            return None
        if bounds["last"] < bounds["first"]:
            problems.append(
                ("last", f"the last {what} is before the first {what}", "swap them or correct one")
            )
            return None
        return cls(first=bounds["first"], last=bounds["last"], zone=zone)

    return check


def _check_deadline(
    value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
) -> AnyWindow | None:
    day: dt.date | None = None
    raw_day = need("day")
    if raw_day is not None:
        try:
            day = _structure_date(raw_day, object)
        except _Wrong as exc:
            problems.append(("day", str(exc), exc.hint))
    rule = CutoffRule.END_OF_DAY
    if "rule" in value:
        try:
            rule = typing.cast("CutoffRule", _enum_hook(CutoffRule)(value["rule"], object))
        except _Wrong as exc:
            problems.append(("rule", str(exc), exc.hint))
    time: dt.time | None = None
    if "time" in value:
        try:
            time = _structure_time(value["time"], object)
        except _Wrong as exc:
            problems.append(("time", str(exc), exc.hint))
    if (rule is CutoffRule.AT_TIME) != ("time" in value):
        if rule is CutoffRule.AT_TIME:
            problems.append(("time", "the at-time rule needs a time", "add time = 12:00:00"))
        else:
            problems.append(
                (
                    "time",
                    f"a time goes only with rule = 'at-time' (rule is {rule.value!r})",
                    "add rule = 'at-time' or remove the time",
                )
            )
        return None
    if zone is None or day is None or problems:
        return None
    if time is not None:
        try:
            localize(dt.datetime.combine(day, time), zone)
        except LocalTimeError as exc:
            problems.append(("time", str(exc), "pick a time that exists on that day"))
            return None
    return Deadline(day=day, zone=zone, rule=rule, time=time)


def _check_unscheduled(
    value: Mapping[str, Any], zone: str | None, need: _Need, problems: _Problems
) -> AnyWindow | None:
    return None if zone is None else Unscheduled(zone=zone)


_WINDOW_CHECKS: dict[type[AnyWindow], _WindowCheck] = {
    ExactWindow: _check_exact,
    DayWindow: _check_bounds(DayWindow, _structure_date, "day"),
    MonthWindow: _check_bounds(MonthWindow, _structure_month, "month"),
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
                f"expected a {cls.kind} table, got {_kind(value)}",
                "write e.g. { day = 2020-02-03 } (end of day in the consultation's zone)",
            )
        if value.get("kind", cls.kind) != cls.kind:
            # A call's deadline may say its kind; it cannot be another one.
            message = f"a {cls.kind} has kind = {cls.kind!r}"
            raise _FieldProblems([("kind", message, "remove the kind")])
        problems: _Problems = []
        for key in value:
            if key not in allowed:
                close = _close(str(key), allowed)
                hint = (
                    f"did you mean {close!r}?"
                    if close
                    else f"a {cls.kind!r} window takes {allowed}"
                )
                problems.append((str(key), f"unknown key {str(key)!r}", hint))
        zone: str | None = None
        try:
            zone = check_zone_name(value.get("zone"))
        except _Wrong as exc:
            problems.append(("zone", str(exc), exc.hint))
        window: AnyWindow | None = None
        try:
            window = check(value, zone, _Need(value, problems), problems)
        except (ValueError, OverflowError) as exc:  # a rule of the window class itself
            problems.append(("", str(exc), None))
        if problems or window is None:
            raise _FieldProblems(problems or [("", "the window is incomplete", None)])
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
        # cattrs' generated hook calls .keys() on whatever it gets; a string where a table
        # belongs (contact = "Gitanjali Sah") must get a message for people instead.
        inner = converter.gen_structure_attrs_fromdict(cls)
        keys = ", ".join(f"{a.name} = …" for a in attrs.fields(cls)[:3])

        def structure(value: object, _: type) -> Any:
            if not isinstance(value, Mapping):
                raise _Wrong(f"expected a table, got {_kind(value)}", f"write {{ {keys} }}")
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
                raise _Wrong(f"expected an array, got {_kind(value)}", "write [ … ]")
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


def _configure_fields(converter: cattrs.Converter) -> None:
    """A call's fields as a union tagged by ``kind``: each kind's class forbids the keys of
    the others, so ``max_words`` on a number field is an unknown key, with a suggestion."""
    kinds = ", ".join(repr(k) for k in FIELD_TYPES)

    def structure_field(value: object, _: type) -> AnyField:
        if not isinstance(value, Mapping):
            raise _Wrong(
                f"expected a field table, got {_kind(value)}",
                'write [[calls.fields]] with key = "…", kind = "text", label = { … }',
            )
        kind = value.get("kind")
        if kind is None:
            raise _FieldProblems([("kind", "the field has no kind", f"add kind = one of {kinds}")])
        cls = FIELD_TYPES.get(kind) if isinstance(kind, str) else None
        if cls is None:
            close = _close(kind, FIELD_TYPES) if isinstance(kind, str) else None
            hint = f"did you mean {close!r}?" if close else f"use one of {kinds}"
            raise _FieldProblems([("kind", f"unknown field kind {_short(kind)}", hint)])
        rest = {k: v for k, v in value.items() if k != "kind"}
        field: AnyField = converter.structure(rest, cls)
        return field

    converter.register_structure_hook(AnyField, structure_field)
    for cls in FIELD_TYPES.values():
        inner = converter.gen_unstructure_attrs_fromdict(cls)

        def unstructure(field: Any, _inner: Any = inner) -> dict[str, Any]:
            data = {"kind": field.kind, **_inner(field)}
            if getattr(field, "vocabulary", None) is not None:
                del data["options"]  # the loader fills them from the vocabulary again
            return data

        converter.register_unstructure_hook(cls, unstructure)


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


def _problems_from(exc: BaseException, path: str) -> Iterator[tuple[str, str, str | None]]:
    """Walk a cattrs error tree and yield (field path, message, hint) for each leaf."""
    if isinstance(exc, ForbiddenExtraKeysError):
        fields = [a.name for a in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        for key in sorted(exc.extra_fields):
            close = _close(key, fields)
            hint = f"did you mean {close!r}?" if close else f"allowed keys: {', '.join(fields)}"
            yield _join(path, key), f"unknown key {key!r}", hint
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
        field = path.rsplit(".", 1)[-1]
        yield path, "required field is missing", f"add {field} = …"
        return
    if isinstance(exc, _Wrong):
        yield path, str(exc), exc.hint
        return
    yield path, str(exc) or type(exc).__name__, None


def _join(path: str, name: str) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name


# --------------------------------------------------------------------------- loading


def _prepare(data: dict[str, Any], problems: list[tuple[str, str, str | None]]) -> str | None:
    """Give windows without a zone the consultation's zone; check the zone itself."""
    zone: str | None = None
    if "zone" in data:
        try:
            zone = check_zone_name(data["zone"])
        except _Wrong as exc:
            problems.append(("zone", str(exc), exc.hint))
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
                    hint = (
                        "write the offset after the time, e.g. 2019-10-27T02:30:00+02:00"
                        if "twice" in str(exc)
                        else "pick a time that exists in that zone"
                    )
                    problems.append((f"calls[{index}].opens_at", str(exc), hint))
                    calls[index] = {k: v for k, v in call.items() if k != "opens_at"}
    return None if stand_in else zone


def _references(c: Consultation) -> Iterator[tuple[str, str, str | None]]:
    """Rules across fields: unique ids, and every reference names something that exists."""
    yield from _check_id("", c.id)
    for language_index, language in enumerate(c.languages):
        if not _LANGUAGE.match(language):
            yield (
                f"languages[{language_index}]",
                f"{language!r} is not a language tag",
                "use a BCP 47 tag such as en, es, fr, zh, ar, ru",
            )
    if len(set(c.languages)) != len(c.languages):
        yield "languages", "a language is listed twice", "list each language once"
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
            yield (f"{name}[{local}].id", f"duplicate id {org.id!r}", "give each one its own id")
        seen_org[org.id] = name
    ordinals: dict[int, int] = {}
    for index, phase in enumerate(c.phases):
        if phase.ordinal in ordinals:
            yield (
                f"phases[{index}].ordinal",
                f"ordinal {phase.ordinal} is also used by phases[{ordinals[phase.ordinal]}]",
                "number the phases 1, 2, 3, …",
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
                    f"unknown call {activity.call!r}",
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
                        f"must be a whole number of at least 1, not {value!r}",
                        "leave the key out for no limit",
                    )
        if call.attachments is not None:
            yield from _attachment_problems(f"{where}.attachments", call.attachments)
        if call.opens_at is not None and call.opens_with is not None:
            yield (
                f"{where}.opens_with",
                "a call opens either at an instant or with a phase, not both",
                "remove opens_at or opens_with",
            )
        if call.deadline is not None and call.closes_with is not None:
            yield (
                f"{where}.closes_with",
                "a call closes either with its own deadline or with a phase, not both",
                "remove deadline or closes_with",
            )
        if call.opens_with is not None and call.opens_with not in phase_ids:
            yield (
                f"{where}.opens_with",
                f"unknown phase {call.opens_with!r}",
                _did_you_mean(call.opens_with, phase_ids, "phases"),
            )
        if call.closes_with is not None:
            if call.closes_with not in phase_ids:
                yield (
                    f"{where}.closes_with",
                    f"unknown phase {call.closes_with!r}",
                    _did_you_mean(call.closes_with, phase_ids, "phases"),
                )
            elif not isinstance(c.phase(call.closes_with).window, Deadline):
                yield (
                    f"{where}.closes_with",
                    f"phase {call.closes_with!r} has no deadline to close with",
                    "give that phase a window of kind 'deadline', or give the call a deadline",
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
                f"anchor {reminder.anchor!r} names no item",
                "write phase:ID, event:ID, call:ID or review:CALL/ROUND",
            )
        elif target not in known[kind]:
            yield (
                f"{where}.anchor",
                f"unknown {kind} {target!r}",
                _did_you_mean(target, known[kind], f"{kind}s"),
            )
        elif reminder.edge is ReminderEdge.DEADLINE and kind == "event":
            yield f"{where}.edge", "an event has no deadline", "use edge = 'start' or 'end'"
        for b_index, before in enumerate(reminder.before):
            if before < dt.timedelta(0):
                yield f"{where}.before[{b_index}]", "a reminder cannot come after its anchor", None
        for a_index, audience in enumerate(reminder.audience):
            if audience in ("subscribers", "organisers"):
                continue
            if audience.startswith("group:") and audience[6:] in group_ids:
                continue
            if audience == REVIEWERS_AUDIENCE:
                if kind != "review":
                    yield (
                        f"{where}.audience[{a_index}]",
                        "only a review round has reviewers to remind",
                        "anchor the reminder to review:CALL/ROUND, or choose another audience",
                    )
                continue
            yield (
                f"{where}.audience[{a_index}]",
                f"unknown audience {audience!r}",
                "write 'subscribers', 'organisers', 'group:ID' with a known group,"
                " or 'reviewers' for a review:CALL/ROUND anchor",
            )


def _translated(
    path: str, text: Text, languages: Sequence[str], *, required: bool
) -> Iterator[tuple[str, str, str | None]]:
    if not text and not required:
        return
    missing = [lang for lang in languages if not text.values.get(lang, "").strip()]
    if missing:
        yield (
            path,
            f"no text in {', '.join(missing)}",
            "a field is shown in every language of the consultation: add "
            + ", ".join(f"{lang} = …" for lang in missing),
        )


def _bounds(where: str, field: Any, low: str, high: str) -> Iterator[tuple[str, str, str | None]]:
    least, most = getattr(field, low), getattr(field, high)
    for name, value in ((low, least), (high, most)):
        if value is not None and value < 0:
            yield f"{where}.{name}", "a limit cannot be negative", "use 0 or more"
    if least is not None and most is not None and most < least:
        yield f"{where}.{high}", f"{high} is below {low}", "swap them or correct one"


def _field_declarations(
    call_path: str, fields: Sequence[AnyField], languages: Sequence[str]
) -> Iterator[tuple[str, str, str | None]]:
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
                    "a choice needs options",
                    "add options = [ { value = …, label = { … } } ]",
                )
            seen: set[str] = set()
            for o_index, option in enumerate(field.options):
                at = f"{where}.options[{o_index}]"
                if not option.value.strip() or "\x00" in option.value:
                    yield f"{at}.value", "an option needs a value", 'write value = "…"'
                elif option.value in seen:
                    yield (
                        f"{at}.value",
                        f"duplicate option {option.value!r}",
                        "list each option once",
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
                    yield f"{where}.{name}", "the limit is not a finite number", None
            if (
                field.minimum is not None
                and field.maximum is not None
                and field.maximum < field.minimum
            ):
                yield f"{where}.maximum", "maximum is below minimum", "swap them"
        elif isinstance(field, DateField):
            if field.minimum and field.maximum and field.maximum < field.minimum:
                yield f"{where}.maximum", "maximum is before minimum", "swap them"
        elif isinstance(field, FileField):
            if field.max_bytes is not None and field.max_bytes < 1:
                yield f"{where}.max_bytes", "a file limit must be at least 1 byte", None
            for t_index, ending in enumerate(field.types):
                if not re.fullmatch(r"[A-Za-z0-9]+", ending):
                    yield (
                        f"{where}.types[{t_index}]",
                        f"{ending!r} is not a file ending",
                        "write it without the dot, e.g. 'pdf'",
                    )
                elif ending.lower() not in ENDING_TYPES:
                    yield (
                        f"{where}.types[{t_index}]",
                        f"consultkit cannot check that a file really is .{ending}",
                        f"use endings it can check: {', '.join(ENDING_TYPES)}",
                    )


def _review_declarations(
    path: str, review: CallReview, languages: Sequence[str]
) -> Iterator[tuple[str, str, str | None]]:
    """A call's review rounds: ids unique, numbers that make sense, rubrics that can score."""
    yield from _unique(f"{path}.rounds", review.rounds)
    for index, round_ in enumerate(review.rounds):
        where = f"{path}.rounds[{index}]"
        yield from _translated(f"{where}.title", round_.title, languages, required=True)
        yield from _translated(
            f"{where}.description", round_.description, languages, required=False
        )
        if round_.per_submission < 1:
            yield f"{where}.per_submission", "each submission needs 1 reviewer or more", None
        if not 1 <= round_.min_groups <= max(round_.per_submission, 1):
            yield (
                f"{where}.min_groups",
                f"{round_.min_groups} stakeholder groups cannot come from"
                f" {round_.per_submission} reviewers",
                "use 1 up to per_submission",
            )
        if len(set(round_.reviewers)) != len(round_.reviewers):
            yield f"{where}.reviewers", "a reviewer is listed twice", "list each reviewer once"
        if round_.kind is RoundKind.SCREENING and round_.criteria:
            yield (
                f"{where}.criteria",
                "a screening round asks for pass or fail, not scores",
                "remove the criteria, or make it kind = 'scoring'",
            )
        if round_.kind is RoundKind.SCORING and not round_.criteria:
            yield (
                f"{where}.criteria",
                "a scoring round needs a rubric",
                "add [[calls.review.rounds.criteria]] with id, label, min, max and weight",
            )
        yield from _unique(f"{where}.criteria", round_.criteria)
        for c_index, criterion in enumerate(round_.criteria):
            at = f"{where}.criteria[{c_index}]"
            yield from _translated(f"{at}.label", criterion.label, languages, required=True)
            yield from _translated(f"{at}.help", criterion.help, languages, required=False)
            if criterion.max <= criterion.min:
                yield f"{at}.max", "the scale's max must be above its min", "e.g. min = 1, max = 5"
            if not (math.isfinite(criterion.weight) and criterion.weight > 0):
                yield f"{at}.weight", "a weight must be a positive number", "e.g. weight = 1.0"


def _vocabularies(c: Consultation) -> Iterator[tuple[str, str, str | None]]:
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
                "a vocabulary needs terms",
                "add terms = [ { id = …, label = { … } } ]",
            )
        for t_index, term in enumerate(vocabulary.terms):
            at = f"{where}.terms[{t_index}]"
            yield from _check_id(f"{at}.id", term.id)
            if term.id in terms:
                yield (
                    f"{at}.id",
                    f"duplicate term {term.id!r} (also {terms[term.id]})",
                    "a tag names one term: give each term its own id",
                )
            terms.setdefault(term.id, f"{at}.id")
            yield from _translated(f"{at}.label", term.label, c.languages, required=True)


def _vocabulary_options(
    c: Consultation, problems: list[tuple[str, str, str | None]]
) -> Consultation:
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
                            f"unknown vocabulary {field.vocabulary!r}",
                            _did_you_mean(field.vocabulary, vocabulary_ids, "vocabularies"),
                        )
                    )
                elif field.options:
                    problems.append(
                        (
                            f"{where}.options",
                            "a field takes its options from a vocabulary or lists them, not both",
                            "remove options: the vocabulary's terms are the options",
                        )
                    )
                else:
                    options = tuple(Option(value=t.id, label=t.label) for t in vocabulary.terms)
                    field = attrs.evolve(field, options=options)
            fields.append(field)
        calls.append(attrs.evolve(call, fields=tuple(fields)))
    return attrs.evolve(c, calls=tuple(calls))


def _unique_keys(path: str, fields: Sequence[AnyField]) -> Iterator[tuple[str, str, str | None]]:
    seen: dict[str, int] = {}
    for index, field in enumerate(fields):
        if not _FIELD_KEY.match(field.key):
            yield (
                f"{path}[{index}].key",
                f"{field.key!r} is not a field key",
                "use lower-case letters, digits and '_', starting with a letter",
            )
        if field.key in seen:
            yield (
                f"{path}[{index}].key",
                f"duplicate key {field.key!r} (also {path}[{seen[field.key]}])",
                "give each field its own key",
            )
        seen.setdefault(field.key, index)


_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _links(c: Consultation) -> Iterator[tuple[str, str, str | None]]:
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
                "write the address of a web page on one line, e.g. https://www.wsis.org/forum",
            )
    email = c.contact.email
    problem = None if email is None else email_problem(email)
    if problem is not None:
        yield "contact.email", problem, "write one address on one line, e.g. wsis-info@itu.int"


def _check_id(path: str, value: str) -> Iterator[tuple[str, str, str | None]]:
    if not _ID.match(value):
        yield (
            path or "id",
            f"{value!r} is not a valid id",
            "use letters, digits, '.', '_' and '-', starting with a letter or digit",
        )


def _unique(path: str, items: Sequence[Any]) -> Iterator[tuple[str, str, str | None]]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        yield from _check_id(f"{path}[{index}].id", item.id)
        if item.id in seen:
            yield (
                f"{path}[{index}].id",
                f"duplicate id {item.id!r} (also {path}[{seen[item.id]}])",
                "give each one its own id",
            )
        seen.setdefault(item.id, index)


def _known(
    path: str, values: Sequence[str], known: Sequence[str], what: str
) -> Iterator[tuple[str, str, str | None]]:
    for index, value in enumerate(values):
        if value not in known:
            yield (
                f"{path}[{index}]",
                f"unknown {what} {value!r}",
                _did_you_mean(value, known, f"{what}s"),
            )


def _fail(
    problems: Sequence[tuple[str, str, str | None]], file: str | None, locator: KeyLocator | None
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
        raise _fail([("", "a consultation file holds a table at the top", None)], file, locator)
    document = dict(data)
    problems: list[tuple[str, str, str | None]] = []
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


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


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
                    message="not usable TOML: values are nested too deeply",
                    hint="a consultation needs a few levels of arrays and tables; flatten"
                    " the value",
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
                    message="the file holds no consultation (it is empty)",
                    hint="start from examples/wsis2020/consultation.toml; the format is in"
                    " docs/configuration.md",
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
        match = _TOML_POSITION.search(message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not match and message.endswith("(at end of document)"):
            message = message.removesuffix("(at end of document)")
            line, column = len(lines), len(lines[-1]) + 1
        message = _TOML_POSITION.sub("", message).strip()
        if line:
            message = f"{message} (column {column})"
        hint = None
        if "date" in message.lower():
            hint = "check that the date exists (there is no 30 February) and is written YYYY-MM-DD"
        elif "overwrite" in message.lower():
            hint = "a key or table is written twice; keep one"
        # tomllib keeps no paths, but the scanner reads what it can of the broken text.
        path = ""
        if line:
            before = lines[line - 1][: column - 1] if line <= len(lines) else ""
            path = KeyLocator.scan(text).path_at(line, before) or ""
        raise ConfigError(
            [
                Problem(
                    path=path,
                    message=f"not valid TOML: {message}",
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
            [Problem(path="", message="no such file", hint="check the path", file=name)]
        ) from None
    except OSError as exc:
        if isinstance(exc, IsADirectoryError) or Path(path).is_dir():
            hint = "give the path of a consultation .toml file, not of a directory"
        elif isinstance(exc, PermissionError):
            hint = "check the file's permissions"
        else:
            hint = "check the path"
        raise ConfigError(
            [Problem(path="", message=f"cannot read: {exc.strerror or exc}", hint=hint, file=name)]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                Problem(
                    path="",
                    message="the file is not UTF-8 text",
                    hint="save it as UTF-8",
                    file=name,
                    line=line,
                )
            ]
        ) from None
    return _loads_located(text, name)


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
