"""A call's own fields on the web: what the form and the API show, and reading the form.

:func:`field_views` turns a call's declared fields (``[[calls.fields]]``) into plain
dictionaries in the reader's language, the same for the submission form's template and
the JSON API's calls endpoint. :func:`values_from_form` reads the posted form back into
the JSON values the library checks; a value that cannot even be read (``abc`` for a
number) is refused here, naming the field, before the library sees it.

A file field is a file input accepting its declared endings; :func:`files_from_form`
reads the files sent, which the library checks like any other file field's.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final

from babel import Locale, UnknownLocaleError

from consultkit.domain.field_files import ENDING_TYPES, largest_file
from consultkit.domain.fields import (
    COUNTRY_CODES,
    UN_REGIONS,
    ChoiceField,
    DateField,
    FileField,
    MultipleChoiceField,
    NumberField,
    PeopleField,
    TextField,
)
from consultkit.domain.rendering import render_list, render_number
from consultkit.formats.labels import region_label
from consultkit.i18n import Text, deferred, messages
from consultkit_web.site import text_of

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consultkit.domain.fields import AnyField
    from consultkit.domain.model import Call, Consultation

PREFIX: Final = "field."
"""Form names of a call's fields: ``field.KEY`` (people: ``field.KEY.N.PART``)."""
PERSON_PARTS: Final = ("name", "email", "organisation", "country")
MAX_PERSON_ROWS: Final = 8


def person_rows(field: PeopleField) -> int:
    """How many person rows the form offers: the maximum when small, else three."""
    if field.max_people is not None and field.max_people <= MAX_PERSON_ROWS:
        return max(field.max_people, 1)
    return max(3, field.min_people or 0)


@functools.cache
def _territories(language: str) -> Mapping[str, str]:
    try:
        return Locale.parse(language.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        return Locale("en").territories


def place_options(
    codes: Sequence[str], names: Mapping[str, str], language: str
) -> list[dict[str, str]]:
    """Countries or regions as options, sorted by name: ``names`` when given, else the
    CLDR name in ``language``."""
    local = _territories(language)
    options = [{"value": code, "label": names.get(code) or local.get(code, code)} for code in codes]
    return sorted(options, key=lambda o: o["label"].casefold())


def field_views(call: Call, consultation: Consultation, language: str) -> list[dict[str, Any]]:
    """Each declared field of ``call`` as the form and the API show it, in ``language``."""
    views = []
    for field in call.fields:
        view: dict[str, Any] = {
            "key": field.key,
            "name": PREFIX + field.key,
            "id": "f-" + field.key,
            "kind": field.kind,
            "label": text_of(field.label, language, consultation),
            "help": text_of(field.help, language, consultation) if field.help else "",
            "required": field.required,
            "public": field.public,
            "options": [],
            "vocabulary": None,
            "limits": {},
        }
        if isinstance(field, ChoiceField | MultipleChoiceField):
            view["vocabulary"] = field.vocabulary
            view["options"] = [
                {"value": o.value, "label": text_of(o.label, language, consultation)}
                for o in field.options
            ]
        if isinstance(field, MultipleChoiceField):
            view["limits"] = {"min": field.min_choices, "max": field.max_choices}
        elif isinstance(field, TextField):
            view["limits"] = {
                "min_characters": field.min_characters,
                "max_characters": field.max_characters,
                "min_words": field.min_words,
                "max_words": field.max_words,
            }
        elif isinstance(field, NumberField):
            view["limits"] = {
                "min": field.minimum,
                "max": field.maximum,
                "step": 1 if field.integer else "any",
            }
        elif isinstance(field, DateField):
            view["limits"] = {
                "min": field.minimum.isoformat() if field.minimum else None,
                "max": field.maximum.isoformat() if field.maximum else None,
            }
        elif isinstance(field, PeopleField):
            view["limits"] = {"min": field.min_people, "max": field.max_people}
            view["rows"] = person_rows(field)
        elif isinstance(field, FileField):
            endings = [t.lower() for t in field.types] or list(ENDING_TYPES)
            view["limits"] = {"types": list(field.types), "max_bytes": field.max_bytes}
            view["accept"] = ",".join(f".{t}" for t in endings)
            view["endings"] = render_list(endings, language)
            # The page's own digits and decimal mark (2,5 in French), by babel.
            view["megabytes"] = render_number(largest_file(field) / 1_000_000, language)
        if field.kind == "country":
            view["options"] = place_options(COUNTRY_CODES, {}, language)
        elif field.kind == "un-region":
            words = messages(language)
            names = {code: region_label(code, words) for code in UN_REGIONS}
            view["options"] = place_options(list(UN_REGIONS), names, language)
        view["limits"] = {k: v for k, v in view["limits"].items() if v is not None}
        views.append(view)
    return views


class UnreadableValue(ValueError):
    """A form value that is not even of its field's kind; ``key`` names the field.

    ``text`` keeps the words for the page's language; ``str()`` is the English.
    """

    def __init__(self, key: str, problem: Text) -> None:
        self.text = deferred.gettext("field %(key)r: %(problem)s", key=key, problem=problem)
        super().__init__(str(self.text))
        self.key = key


def entered_values(form: Any, fields: Sequence[AnyField]) -> dict[str, list[str]]:
    """Every posted value of the call's fields by form name, as typed (to show them again)."""
    names = []
    for field in fields:
        if isinstance(field, PeopleField):
            names += [
                f"{PREFIX}{field.key}.{row}.{part}"
                for row in range(person_rows(field))
                for part in (*PERSON_PARTS, "consent")
            ]
        elif not isinstance(field, FileField):  # a browser cannot be given a file back
            names.append(PREFIX + field.key)
    return {name: [str(v) for v in form.getall(name, [])] for name in names}


def files_from_form(form: Any, fields: Sequence[AnyField]) -> dict[str, Any]:
    """The uploaded file (Litestar's ``UploadFile``) sent for each file field, by key."""
    files = {}
    for field in fields:
        if isinstance(field, FileField):
            sent = form.get(PREFIX + field.key)
            # Browsers send an empty part, without a file name, for an input left empty.
            if getattr(sent, "filename", None):
                files[field.key] = sent
    return files


def values_from_form(
    fields: Sequence[AnyField], entered: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The JSON values of the call's fields from what was typed; empty means not given.

    Raises :class:`UnreadableValue` for a number that is no number or a yes/no that is
    neither; every other check is the library's.
    """
    values: dict[str, Any] = {}
    for field in fields:
        name = PREFIX + field.key
        if isinstance(field, FileField):
            continue  # its file is read by files_from_form
        if isinstance(field, MultipleChoiceField):
            chosen = [v for v in entered.get(name, []) if v]
            if chosen:
                values[field.key] = chosen
            continue
        if isinstance(field, PeopleField):
            people = []
            for row in range(person_rows(field)):
                part = {p: _one(entered, f"{name}.{row}.{p}") for p in PERSON_PARTS}
                if not any(part.values()):
                    continue
                person: dict[str, Any] = {k: v for k, v in part.items() if v}
                person.setdefault("name", "")
                person["consent_publish"] = bool(_one(entered, f"{name}.{row}.consent"))
                people.append(person)
            if people:
                values[field.key] = people
            continue
        text = _one(entered, name)
        if not text:
            continue
        if isinstance(field, NumberField):
            try:
                number = float(text) if any(c in text for c in ".eE") else int(text)
            except ValueError:
                raise UnreadableValue(
                    field.key, deferred.gettext("%(value)r is not a number", value=text)
                ) from None
            values[field.key] = number
        elif field.kind == "yes-no":
            if text not in ("yes", "no"):
                raise UnreadableValue(field.key, deferred.gettext("answer yes or no"))
            values[field.key] = text == "yes"
        else:
            values[field.key] = text
    return values


def _one(entered: Mapping[str, list[str]], name: str) -> str:
    given = entered.get(name) or [""]
    return given[0].strip()


__all__ = [
    "PREFIX",
    "UnreadableValue",
    "entered_values",
    "field_views",
    "files_from_form",
    "person_rows",
    "place_options",
    "values_from_form",
]
