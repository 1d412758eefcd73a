"""Fields a call declares (``[[calls.fields]]``): their kinds, their checks and their schema.

One declaration drives everything a field touches: :func:`field_problem` (one registered
check per kind) refuses a value at submit, :func:`field_schema` gives the JSON Schema
(draft 2020-12) of the same value, and the loader, the exports and the command line read
the same classes. Both the check and the schema use the same patterns and bounds, so the
schema accepts exactly what the check accepts (``tests/test_call_fields.py`` checks it).

Values are JSON data, as stored with the submission: text, numbers, ``true``/``false``,
lists and tables. Adding a kind touches this module (its class, its entry in
``AnyField`` and ``FIELD_TYPES``, its ``@field_problem.register`` and
``@field_schema.register``) and ``docs/configuration.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

import attrs

from consultkit.domain.date_patterns import date_range_pattern
from consultkit.domain.rendering import listed
from consultkit.domain.text import Text
from consultkit.errors import InvalidValueError
from consultkit.i18n import Text as Words
from consultkit.i18n import deferred
from consultkit.value_methods import shared_value_methods

_EMPTY = Text({})

if TYPE_CHECKING:
    #: ISO 3166-1 alpha-2 codes, from pycountry (the Debian iso-codes data).
    COUNTRY_CODES: tuple[str, ...]


@functools.cache
def _country_codes() -> tuple[str, ...]:
    # pycountry loads its data on import: a sixth of every CLI verb's start-up, paid now
    # only by a consultation with a country field (issue 14, benchmarks/bench_startup.py).
    import pycountry

    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(_country_codes())


def __getattr__(name: str) -> Any:
    # COUNTRY_CODES stays a module constant for its users, computed on first access (PEP 562).
    if name == "COUNTRY_CODES":
        return _country_codes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: UN M49 regions, sub-regions and intermediate regions (UN Statistics Division,
#: "Standard country or area codes for statistical use"), by code.
UN_REGIONS: Mapping[str, str] = {
    "002": "Africa",
    "015": "Northern Africa",
    "202": "Sub-Saharan Africa",
    "014": "Eastern Africa",
    "017": "Middle Africa",
    "018": "Southern Africa",
    "011": "Western Africa",
    "019": "Americas",
    "419": "Latin America and the Caribbean",
    "029": "Caribbean",
    "013": "Central America",
    "005": "South America",
    "021": "Northern America",
    "142": "Asia",
    "143": "Central Asia",
    "030": "Eastern Asia",
    "035": "South-eastern Asia",
    "034": "Southern Asia",
    "145": "Western Asia",
    "150": "Europe",
    "151": "Eastern Europe",
    "154": "Northern Europe",
    "830": "Channel Islands",
    "039": "Southern Europe",
    "155": "Western Europe",
    "009": "Oceania",
    "053": "Australia and New Zealand",
    "054": "Melanesia",
    "057": "Micronesia",
    "061": "Polynesia",
}

# Patterns shared by the checks and the schema. Each refuses whitespace and control
# characters up front, so ``$`` (which Python also matches before a final newline) can
# never let a trailing line break through.
_NO_SPACE = r"^(?![\s\S]*[\s\x00-\x1f\x7f])"
EMAIL_PATTERN = _NO_SPACE + r"[^@\"(),:;<>\[\\\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$"
URL_PATTERN = _NO_SPACE + r"https?://[^/?#@:]+\.[^/?#@:]+(?::[0-9]{1,5})?(?:[/?#][\s\S]*)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NO_NUL_PATTERN = r"^[^\x00]*$"
"""PostgreSQL stores no NUL character, in text or in JSON: no field value may hold one."""
NOT_BLANK_PATTERN = r"\S"
FILE_NAME_PATTERN = r"^(?![\s\S]*[\x00-\x1f\x7f/\\])[\s\S]+$"
"""A file's name: no folders, no control characters."""
ATTACHMENT_ID_PATTERN = r"^[0-9a-f]{32}$"
"""A stored file's id, as a file field's ``attachment`` names it."""


def _words_pattern(least: int | None, most: int | None) -> str:
    # A word is a run of non-space characters followed by space or the end, so one word is
    # never counted as several (what ``str.split`` counts).
    low = least or 0
    high = "" if most is None else str(most)
    return rf"^\s*(?:\S+(?:\s+|$)){{{low},{high}}}$"


@attrs.frozen(kw_only=True)
@shared_value_methods
class Option:
    """One answer of a choice: the stored ``value`` and its label in every language."""

    value: str
    label: Text


@attrs.frozen(kw_only=True)
@shared_value_methods
class _Field:
    key: str
    label: Text
    help: Text = _EMPTY
    required: bool = False
    public: bool = False
    """Whether public exports (``--public``) carry this field's value."""


@attrs.frozen(kw_only=True)
@shared_value_methods
class TextField(_Field):
    """Free text, with limits in characters or words (``str.split`` words)."""

    kind: ClassVar[str] = "text"
    min_characters: int | None = None
    max_characters: int | None = None
    min_words: int | None = None
    max_words: int | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class ChoiceField(_Field):
    """One of ``options``; the value is the option's ``value``.

    ``vocabulary`` names a consultation vocabulary whose terms are the options (the loader
    fills ``options`` from it; give one or the other).
    """

    kind: ClassVar[str] = "choice"
    options: tuple[Option, ...] = ()
    vocabulary: str | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class MultipleChoiceField(_Field):
    """Several of ``options``, each at most once, between ``min_choices`` and ``max_choices``."""

    kind: ClassVar[str] = "multiple-choice"
    options: tuple[Option, ...] = ()
    vocabulary: str | None = None
    min_choices: int | None = None
    max_choices: int | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class YesNoField(_Field):
    """``true`` or ``false``."""

    kind: ClassVar[str] = "yes-no"


@attrs.frozen(kw_only=True)
@shared_value_methods
class NumberField(_Field):
    """A number between ``minimum`` and ``maximum`` (both included); ``integer`` for counts."""

    kind: ClassVar[str] = "number"
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False


@attrs.frozen(kw_only=True)
@shared_value_methods
class DateField(_Field):
    """A calendar date written ``YYYY-MM-DD``, between ``minimum`` and ``maximum`` (included)."""

    kind: ClassVar[str] = "date"
    minimum: dt.date | None = None
    maximum: dt.date | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class UrlField(_Field):
    """An ``http`` or ``https`` address with a host name."""

    kind: ClassVar[str] = "url"


@attrs.frozen(kw_only=True)
@shared_value_methods
class EmailField(_Field):
    """One e-mail address."""

    kind: ClassVar[str] = "email"


@attrs.frozen(kw_only=True)
@shared_value_methods
class CountryField(_Field):
    """An ISO 3166-1 alpha-2 code (``CH``), upper case."""

    kind: ClassVar[str] = "country"


@attrs.frozen(kw_only=True)
@shared_value_methods
class UnRegionField(_Field):
    """A UN M49 region, sub-region or intermediate region code (``150`` for Europe)."""

    kind: ClassVar[str] = "un-region"


@attrs.frozen(kw_only=True)
@shared_value_methods
class PeopleField(_Field):
    """A list of people (speakers, organisers), each with their own consent to be published.

    Each person is a table: ``name`` (required), ``email``, ``organisation``, ``country``
    (ISO 3166-1 alpha-2) and ``consent_publish`` (required, ``true`` or ``false``): a
    speaker agrees for themselves, not through the submitter.
    """

    kind: ClassVar[str] = "people"
    min_people: int | None = None
    max_people: int | None = None


@attrs.frozen(kw_only=True)
@shared_value_methods
class FileField(_Field):
    """A file: ``{ name = "x.pdf", size = 1234, media_type, attachment = ID }``, with limits.

    ``types`` are the allowed name endings without the dot (``pdf``, ``docx``; any case),
    empty for any that consultkit can check (``consultkit.domain.field_files``);
    ``max_bytes`` the largest size. The file itself is sent with the submission and kept
    as an attachment, which ``attachment`` names; a value without it (an import) only
    describes a file kept elsewhere.
    """

    kind: ClassVar[str] = "file"
    types: tuple[str, ...] = ()
    max_bytes: int | None = None


AnyField: TypeAlias = (
    TextField
    | ChoiceField
    | MultipleChoiceField
    | YesNoField
    | NumberField
    | DateField
    | UrlField
    | EmailField
    | CountryField
    | UnRegionField
    | PeopleField
    | FileField
)

FIELD_TYPES: dict[str, type[AnyField]] = {
    cls.kind: cls
    for cls in (
        TextField,
        ChoiceField,
        MultipleChoiceField,
        YesNoField,
        NumberField,
        DateField,
        UrlField,
        EmailField,
        CountryField,
        UnRegionField,
        PeopleField,
        FileField,
    )
}
"""Every field kind by its tag (``kind = "text"``)."""

FIELD_COLUMN_PREFIX: Final = "field."
"""How a field's value is named in a flat row: the column ``field.format`` of an export, the
cell of an import and the data package's property. Here, not with the exporter, because a
bulk import of mappings looks for such cells and must not load the exporter, the csv module
and its patterns for one constant (issue 14: a fixed cost inside the import's first call)."""

#: A field's value as stored: JSON data.
FieldValue: TypeAlias = Any

# --------------------------------------------------------------------------- checks


def _kind_of(value: object) -> Words | str:
    names = {
        bool: deferred.pgettext("kind of value", "true/false"),
        int: deferred.pgettext("kind of value", "a number"),
        float: deferred.pgettext("kind of value", "a number"),
        str: deferred.pgettext("kind of value", "text"),
        list: deferred.pgettext("kind of value", "a list"),
        tuple: deferred.pgettext("kind of value", "a list"),
        dict: deferred.pgettext("kind of value", "a table"),
    }
    if value is None:
        return deferred.pgettext("kind of value", "nothing")
    return names.get(type(value), type(value).__name__)


def _text_problem(value: object) -> Words | None:
    if not isinstance(value, str):
        return deferred.gettext("expected text, got %(kind)s", kind=_kind_of(value))
    if "\x00" in value:
        return deferred.gettext("it contains a NUL character (U+0000): remove it")
    return None


@functools.singledispatch
def field_problem(field: _Field, value: FieldValue) -> str | Words | None:
    """Why ``value`` does not fit ``field``, or None; one registration per kind.

    ``value`` is never None here: :func:`values_problems` handles missing values.
    """
    raise NotImplementedError(f"no check for field kind {type(field).__name__}")


# Handlers register by class: by annotation, singledispatch would resolve each one's
# postponed hints when the module is imported (issue 14: 5 ms of every verb).
@field_problem.register(TextField)
def _(field: TextField, value: FieldValue) -> Words | None:
    if (problem := _text_problem(value)) is not None:
        return problem
    assert isinstance(value, str)
    if field.required and re.search(NOT_BLANK_PATTERN, value) is None:
        return deferred.gettext("it is empty")
    if field.min_characters is not None and len(value) < field.min_characters:
        return deferred.gettext(
            "it has %(count)s characters; at least %(least)s",
            count=len(value),
            least=field.min_characters,
        )
    if field.max_characters is not None and len(value) > field.max_characters:
        return deferred.gettext(
            "it has %(count)s characters; at most %(most)s",
            count=len(value),
            most=field.max_characters,
        )
    limited = field.min_words is not None or field.max_words is not None
    if limited and re.search(_words_pattern(field.min_words, field.max_words), value) is None:
        words = len(value.split())
        if field.min_words is not None and words < field.min_words:
            return deferred.gettext(
                "it has %(count)s words; at least %(least)s", count=words, least=field.min_words
            )
        return deferred.gettext(
            "it has %(count)s words; at most %(most)s", count=words, most=field.max_words
        )
    return None


def _option_list(field: ChoiceField | MultipleChoiceField) -> Words | Callable[[str], str]:
    options = listed([repr(o.value) for o in field.options])
    if field.vocabulary is None:
        return options
    return deferred.gettext(
        "%(options)s (vocabulary %(vocabulary)r)", options=options, vocabulary=field.vocabulary
    )


@field_problem.register(ChoiceField)
def _(field: ChoiceField, value: FieldValue) -> Words | None:
    if not isinstance(value, str):
        return deferred.gettext(
            "expected one of %(options)s, got %(kind)s",
            options=_option_list(field),
            kind=_kind_of(value),
        )
    if value not in {o.value for o in field.options}:
        return deferred.gettext(
            "%(value)r is not an option: use one of %(options)s",
            value=value,
            options=_option_list(field),
        )
    return None


@field_problem.register(MultipleChoiceField)
def _(field: MultipleChoiceField, value: FieldValue) -> Words | None:
    if not isinstance(value, list | tuple):
        return deferred.gettext(
            "expected a list of %(options)s, got %(kind)s",
            options=_option_list(field),
            kind=_kind_of(value),
        )
    known = {o.value for o in field.options}
    for item in value:
        if not isinstance(item, str) or item not in known:
            return deferred.gettext(
                "%(value)r is not an option: use %(options)s",
                value=item,
                options=_option_list(field),
            )
    if len(set(value)) != len(value):
        return deferred.gettext("an option is chosen twice: choose each once")
    least = max(field.min_choices or 0, 1 if field.required else 0)
    if len(value) < least:
        return deferred.gettext(
            "%(count)s chosen; choose at least %(least)s", count=len(value), least=least
        )
    if field.max_choices is not None and len(value) > field.max_choices:
        return deferred.gettext(
            "%(count)s chosen; choose at most %(most)s", count=len(value), most=field.max_choices
        )
    return None


@field_problem.register(YesNoField)
def _(field: YesNoField, value: FieldValue) -> Words | None:
    if isinstance(value, bool):
        return None
    return deferred.gettext("expected true or false, got %(kind)s", kind=_kind_of(value))


@field_problem.register(NumberField)
def _(field: NumberField, value: FieldValue) -> Words | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return deferred.gettext("expected a number, got %(kind)s", kind=_kind_of(value))
    if isinstance(value, float) and not math.isfinite(value):
        return deferred.gettext("expected a finite number")
    if field.integer and not (isinstance(value, int) or value.is_integer()):
        return deferred.gettext("expected a whole number, got %(value)r", value=value)
    if field.minimum is not None and value < field.minimum:
        return deferred.gettext(
            "%(value)r is below the minimum %(minimum)r", value=value, minimum=field.minimum
        )
    if field.maximum is not None and value > field.maximum:
        return deferred.gettext(
            "%(value)r is above the maximum %(maximum)r", value=value, maximum=field.maximum
        )
    return None


@field_problem.register(DateField)
def _(field: DateField, value: FieldValue) -> Words | None:
    if not isinstance(value, str):
        return deferred.gettext(
            "expected a date such as %(example)s, got %(kind)s",
            example="2020-02-03",
            kind=_kind_of(value),
        )
    if re.fullmatch(DATE_PATTERN, value) is None:
        return deferred.gettext("%(value)r is not a date written YYYY-MM-DD", value=value)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return deferred.gettext("%(value)r is not a date that exists", value=value)
    if field.minimum is not None and day < field.minimum:
        return deferred.gettext(
            "%(value)s is before the earliest date allowed, %(earliest)s",
            value=value,
            earliest=field.minimum.isoformat(),
        )
    if field.maximum is not None and day > field.maximum:
        return deferred.gettext(
            "%(value)s is after the latest date allowed, %(latest)s",
            value=value,
            latest=field.maximum.isoformat(),
        )
    return None


def _pattern_problem(value: FieldValue, pattern: str, what: Words) -> Words | None:
    if not isinstance(value, str):
        return deferred.gettext("expected %(what)s, got %(kind)s", what=what, kind=_kind_of(value))
    if re.search(pattern, value) is None:
        return deferred.gettext("%(value)r is not %(what)s", value=value, what=what)
    return None


@field_problem.register(UrlField)
def _(field: UrlField, value: FieldValue) -> Words | None:
    what = deferred.gettext("an http(s) address such as %(example)s", example="https://example.org")
    return _pattern_problem(value, URL_PATTERN, what)


@field_problem.register(EmailField)
def _(field: EmailField, value: FieldValue) -> Words | None:
    what = deferred.gettext("an e-mail address such as %(example)s", example="name@example.org")
    return _pattern_problem(value, EMAIL_PATTERN, what)


def _country_problem(value: object) -> Words | None:
    if not isinstance(value, str) or value not in _countries():
        return deferred.gettext(
            "%(value)r is not an ISO 3166-1 alpha-2 country code (such as CH or AR)", value=value
        )
    return None


@field_problem.register(CountryField)
def _(field: CountryField, value: FieldValue) -> Words | None:
    return _country_problem(value)


@field_problem.register(UnRegionField)
def _(field: UnRegionField, value: FieldValue) -> Words | None:
    if not isinstance(value, str) or value not in UN_REGIONS:
        return deferred.gettext(
            "%(value)r is not a UN M49 region code (such as 150 for Europe)", value=value
        )
    return None


_PERSON_KEYS = ("name", "email", "organisation", "country", "consent_publish")


def _person_problem(person: object) -> Words | None:
    if not isinstance(person, Mapping):
        return deferred.gettext("expected a table with a name and consent_publish")
    for key in person:
        if key not in _PERSON_KEYS:
            return deferred.gettext(
                "unknown key %(key)r (use %(keys)s)", key=key, keys=listed(_PERSON_KEYS)
            )
    name = person.get("name")
    if not isinstance(name, str) or "\x00" in name or re.search(NOT_BLANK_PATTERN, name) is None:
        return deferred.gettext("give a name")
    if not isinstance(person.get("consent_publish"), bool):
        return deferred.gettext(
            "say whether they agree to be published (consent_publish = true/false)"
        )
    if "email" in person and (
        not isinstance(person["email"], str) or re.search(EMAIL_PATTERN, person["email"]) is None
    ):
        return deferred.gettext("%(value)r is not an e-mail address", value=person["email"])
    organisation = person.get("organisation", "")
    if not isinstance(organisation, str) or "\x00" in organisation:
        return deferred.gettext("the organisation must be text")
    if "country" in person:
        return _country_problem(person["country"])
    return None


@field_problem.register(PeopleField)
def _(field: PeopleField, value: FieldValue) -> Words | None:
    if not isinstance(value, list | tuple):
        return deferred.gettext("expected a list of people, got %(kind)s", kind=_kind_of(value))
    for index, person in enumerate(value):
        if (problem := _person_problem(person)) is not None:
            return deferred.gettext(
                "person %(number)s: %(problem)s", number=index + 1, problem=problem
            )
    least = max(field.min_people or 0, 1 if field.required else 0)
    if len(value) < least:
        return deferred.gettext(
            "%(count)s people given; at least %(least)s", count=len(value), least=least
        )
    if field.max_people is not None and len(value) > field.max_people:
        return deferred.gettext(
            "%(count)s people given; at most %(most)s", count=len(value), most=field.max_people
        )
    return None


@field_problem.register(FileField)
def _(field: FileField, value: FieldValue) -> Words | None:
    if not isinstance(value, Mapping) or set(value) - {"name", "size", "media_type", "attachment"}:
        return deferred.gettext(
            "expected a table %(table)s (and optionally media_type)",
            table="{ name = …, size = … }",
        )
    attachment = value.get("attachment")
    if attachment is not None and (
        not isinstance(attachment, str) or re.fullmatch(ATTACHMENT_ID_PATTERN, attachment) is None
    ):
        return deferred.gettext("the attachment must be a stored file's id (32 hexadecimal digits)")
    name, size = value.get("name"), value.get("size")
    if not isinstance(name, str) or re.search(FILE_NAME_PATTERN, name) is None:
        return deferred.gettext("give the file's name, without folders or control characters")
    if field.types and not name.lower().endswith(tuple(f".{t.lower()}" for t in field.types)):
        return deferred.gettext(
            "%(name)r is not one of the accepted types: %(types)s",
            name=name,
            types=listed(field.types),
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return deferred.gettext("give the file's size in bytes (a whole number)")
    if field.max_bytes is not None and size > field.max_bytes:
        return deferred.gettext(
            "the file has %(size)s bytes; at most %(most)s", size=size, most=field.max_bytes
        )
    media_type = value.get("media_type", "")
    if not isinstance(media_type, str) or re.search(_NO_SPACE, media_type) is None:
        return deferred.gettext(
            "the media type must be text such as %(example)s", example="application/pdf"
        )
    return None


def values_problems(
    fields: tuple[AnyField, ...], values: Mapping[str, FieldValue]
) -> list[tuple[str, str | Words]]:
    """Every ``(key, problem)`` of ``values`` against the declared ``fields``, in order.

    A required field that is missing, a value that does not fit its field, and a key the
    call does not declare are each one problem.
    """
    problems: list[tuple[str, str | Words]] = []
    declared = {f.key for f in fields}
    for field in fields:
        if field.key not in values:
            if field.required:
                problems.append((field.key, deferred.gettext("is required")))
            continue
        problem = field_problem(field, values[field.key])
        if problem is not None:
            problems.append((field.key, problem))
    for key in values:
        if key not in declared:
            known = (
                listed([f.key for f in fields])
                if fields
                else deferred.pgettext("no fields", "none")
            )
            refusal = deferred.gettext(
                "is not a field of this call (fields: %(known)s)", known=known
            )
            problems.append((key, refusal))
    return problems


# --------------------------------------------------------------------------- text in


def _yes_no(text: str) -> bool:
    answer = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    try:
        return answer[text.strip().lower()]
    except KeyError:
        raise InvalidValueError(
            deferred.gettext("%(text)r is not yes or no (write yes, no, true or false)", text=text)
        ) from None


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InvalidValueError(
            deferred.gettext("%(text)r is not a number (write e.g. 12 or 2.5)", text=text)
        ) from None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidValueError(
            deferred.gettext(
                "%(text)r is not JSON (write e.g. %(example)s)",
                text=text,
                example='{"name": "Ana", "consent_publish": true}',
            )
        ) from None


_FROM_TEXT: dict[type[_Field], Any] = {YesNoField: _yes_no, NumberField: _number}
"""How a kind reads one typed value; text kinds take it as written, people and files as JSON."""


def values_from_text(fields: tuple[AnyField, ...], pairs: Sequence[str]) -> dict[str, Any]:
    """Field values from ``KEY=VALUE`` texts, as ``consultkit submit --field`` gives them.

    A multiple choice or a people field collects one value per repetition (a person is a
    JSON object; a JSON list adds several); a file is a JSON object; yes/no reads yes, no,
    true, false; a number reads 12 or 2.5; other kinds take the text as written. A key the
    call does not declare is kept as text, so the check refuses it with the call's fields.
    Raises :class:`~consultkit.errors.InvalidValueError` (a ``ValueError``) saying which
    pair is wrong and how to write it, in the reader's language once rendered.
    """
    by_key = {f.key: f for f in fields}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            raise InvalidValueError(
                deferred.gettext(
                    "%(pair)r is not KEY=VALUE (write e.g. %(example)s)",
                    pair=pair,
                    example="--field format=panel",
                )
            )
        field = by_key.get(key)
        try:
            if isinstance(field, MultipleChoiceField):
                values.setdefault(key, []).append(text)
                continue
            if isinstance(field, PeopleField):
                read = _json(text)
                values.setdefault(key, []).extend(read if isinstance(read, list) else [read])
                continue
            if key in values:
                raise InvalidValueError(deferred.gettext("given twice: this field takes one value"))
            convert = (
                _json
                if isinstance(field, FileField)
                else None
                if field is None
                else _FROM_TEXT.get(type(field))
            )
            values[key] = text if convert is None else convert(text)
        except InvalidValueError as exc:
            raise InvalidValueError(
                deferred.gettext("--field %(key)s: %(problem)s", key=key, problem=exc.text)
            ) from None
    return values


# --------------------------------------------------------------------------- schema


def _strings(*patterns: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    schema["allOf"] = [{"pattern": NO_NUL_PATTERN}, *({"pattern": p} for p in patterns)]
    return schema


def _annotate(field: _Field, schema: dict[str, Any], language: str) -> dict[str, Any]:
    schema = {"title": field.label.get(language).text, **schema}
    if field.help:
        schema["description"] = field.help.get(language).text
    return schema


@functools.singledispatch
def field_schema(field: _Field) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one field's value; one registration per kind."""
    raise NotImplementedError(f"no schema for field kind {type(field).__name__}")


@field_schema.register(TextField)
def _(field: TextField) -> dict[str, Any]:
    patterns = [NOT_BLANK_PATTERN] if field.required else []
    if field.min_words is not None or field.max_words is not None:
        patterns.append(_words_pattern(field.min_words, field.max_words))
    schema = _strings(*patterns)
    if field.min_characters is not None:
        schema["minLength"] = field.min_characters
    if field.max_characters is not None:
        schema["maxLength"] = field.max_characters
    return schema


@field_schema.register(ChoiceField)
def _(field: ChoiceField) -> dict[str, Any]:
    return {"type": "string", "enum": [o.value for o in field.options]}


@field_schema.register(MultipleChoiceField)
def _(field: MultipleChoiceField) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "array",
        "items": {"type": "string", "enum": [o.value for o in field.options]},
        "uniqueItems": True,
    }
    least = max(field.min_choices or 0, 1 if field.required else 0)
    if least:
        schema["minItems"] = least
    if field.max_choices is not None:
        schema["maxItems"] = field.max_choices
    return schema


@field_schema.register(YesNoField)
def _(field: YesNoField) -> dict[str, Any]:
    return {"type": "boolean"}


@field_schema.register(NumberField)
def _(field: NumberField) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if field.integer else "number"}
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    return schema


@field_schema.register(DateField)
def _(field: DateField) -> dict[str, Any]:
    # ``format`` is only an annotation in draft 2020-12 and no keyword bounds a date, so the
    # pattern says exactly which dates are accepted: every validator enforces it.
    pattern = date_range_pattern(field.minimum, field.maximum)
    schema: dict[str, Any] = {"type": "string", "format": "date", "pattern": pattern}
    # ``formatMinimum``/``formatMaximum`` (ajv-formats) repeat the limits for date pickers.
    if field.minimum is not None:
        schema["formatMinimum"] = field.minimum.isoformat()
    if field.maximum is not None:
        schema["formatMaximum"] = field.maximum.isoformat()
    return schema


@field_schema.register(UrlField)
def _(field: UrlField) -> dict[str, Any]:
    return {"type": "string", "format": "uri", "pattern": URL_PATTERN}


@field_schema.register(EmailField)
def _(field: EmailField) -> dict[str, Any]:
    return {"type": "string", "format": "email", "pattern": EMAIL_PATTERN}


@field_schema.register(CountryField)
def _(field: CountryField) -> dict[str, Any]:
    return {"type": "string", "enum": list(_country_codes())}


@field_schema.register(UnRegionField)
def _(field: UnRegionField) -> dict[str, Any]:
    return {"type": "string", "enum": list(UN_REGIONS)}


@field_schema.register(PeopleField)
def _(field: PeopleField) -> dict[str, Any]:
    person = {
        "type": "object",
        "properties": {
            "name": _strings(NOT_BLANK_PATTERN),
            "email": {"type": "string", "pattern": EMAIL_PATTERN},
            "organisation": _strings(),
            "country": {"type": "string", "enum": list(_country_codes())},
            "consent_publish": {"type": "boolean"},
        },
        "required": ["name", "consent_publish"],
        "additionalProperties": False,
    }
    schema: dict[str, Any] = {"type": "array", "items": person}
    least = max(field.min_people or 0, 1 if field.required else 0)
    if least:
        schema["minItems"] = least
    if field.max_people is not None:
        schema["maxItems"] = field.max_people
    return schema


@field_schema.register(FileField)
def _(field: FileField) -> dict[str, Any]:
    name = _strings(FILE_NAME_PATTERN)
    if field.types:
        # Any case, as the check's lower() comparison: spelled out, since ECMA 262
        # patterns have no inline flags.
        endings = "|".join(
            "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in t)
            for t in field.types
        )
        name["allOf"].append({"pattern": rf"\.(?:{endings})$"})
    size: dict[str, Any] = {"type": "integer", "minimum": 0}
    if field.max_bytes is not None:
        size["maximum"] = field.max_bytes
    return {
        "type": "object",
        "properties": {
            "name": name,
            "size": size,
            "media_type": {"type": "string", "pattern": _NO_SPACE},
            "attachment": {"type": "string", "pattern": ATTACHMENT_ID_PATTERN},
        },
        "required": ["name", "size"],
        "additionalProperties": False,
    }


def call_schema(
    fields: tuple[AnyField, ...], *, title: str = "", language: str = "en"
) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a call's field values, labels in ``language``."""
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if title:
        schema["title"] = title
    schema |= {
        "type": "object",
        "properties": {f.key: _annotate(f, field_schema(f), language) for f in fields},
        "required": [f.key for f in fields if f.required],
        "additionalProperties": False,
    }
    return schema


def public_fields(fields: tuple[AnyField, ...]) -> tuple[AnyField, ...]:
    """The fields whose values public exports carry."""
    return tuple(f for f in fields if f.public)


__all__ = [
    "ATTACHMENT_ID_PATTERN",
    "COUNTRY_CODES",
    "DATE_PATTERN",
    "EMAIL_PATTERN",
    "FIELD_TYPES",
    "UN_REGIONS",
    "URL_PATTERN",
    "AnyField",
    "ChoiceField",
    "CountryField",
    "DateField",
    "EmailField",
    "FieldValue",
    "FileField",
    "MultipleChoiceField",
    "NumberField",
    "Option",
    "PeopleField",
    "TextField",
    "UnRegionField",
    "UrlField",
    "YesNoField",
    "call_schema",
    "field_problem",
    "field_schema",
    "public_fields",
    "values_from_text",
    "values_problems",
]
