"""A Frictionless Data Package of the public submissions, for open-data portals.

:func:`data_package` gives the files to write into one folder:

* ``submissions.csv``: the public submissions, byte for byte what
  ``consultkit submissions export --public`` writes (consent applied there, nowhere else);
* ``submissions.schema.json``: a JSON Schema (draft 2020-12) of one public row, as the
  JSON Lines export writes it;
* ``datacard.md``: the data card (licence, or "not stated"; columns; consent rules;
  collection dates);
* ``datapackage.json``: the descriptor (Data Package v1 shape, ``tabular-data-package``
  profile) with a Table Schema for the CSV.

Nothing reads a clock: ``created`` is the latest instant in the data, so the same data
gives the same bytes.
"""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING, Any, Final

from consultkit.domain.fields import (
    FIELD_COLUMN_PREFIX,
    AnyField,
    ChoiceField,
    DateField,
    EmailField,
    FileField,
    MultipleChoiceField,
    NumberField,
    PeopleField,
    YesNoField,
)
from consultkit.domain.submission_rules import call_times
from consultkit.formats.labels import submission_status_label
from consultkit.formats.submission_export import (
    ERASED_TOMBSTONE,
    LIST_SEPARATOR,
    PUBLIC_COLUMNS,
    PUBLIC_STATUSES,
    declared_fields,
    export_submissions,
    is_public,
)
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Iterable

    from consultkit.domain.model import Consultation
    from consultkit.domain.submissions import Submission
    from consultkit.i18n import Messages

PACKAGE_FILES: Final = (
    "datapackage.json",
    "submissions.csv",
    "submissions.schema.json",
    "datacard.md",
)

#: Each public column's Table Schema type (what it holds: :func:`_column_descriptions`).
_COLUMNS: Final[dict[str, str]] = {
    "id": "string",
    "call_id": "string",
    "group": "string",
    "language": "string",
    "received_at": "datetime",
    "title": "string",
    "body": "string",
    "tags": "string",
    "submitter_name": "string",
    "submitter_organisation": "string",
    "text_withheld": "boolean",
    "fingerprint": "string",
    "verification": "string",
}


def _column_descriptions(words: Messages) -> dict[str, str]:
    """What each public column holds, in ``words``' language."""
    gettext = words.gettext
    return {
        "id": gettext("The submission's id (a UUIDv7)."),
        "call_id": gettext("The call it answers."),
        "group": gettext("The submitter's stakeholder group; empty once the submitter was erased."),
        "language": gettext("The language of its text (a BCP 47 tag)."),
        "received_at": gettext("When it was received (UTC)."),
        "title": gettext("Its title, only with the submitter's consent to publish the text."),
        "body": gettext("Its text, only with the submitter's consent to publish the text."),
        "tags": gettext(
            "Its tags (vocabulary terms), separated by %(separator)s.",
            separator=f"'{LIST_SEPARATOR}'",
        ),
        "submitter_name": gettext(
            "The submitter's name, only with their consent; %(tombstone)s once erased.",
            tombstone=f"'{ERASED_TOMBSTONE}'",
        ),
        "submitter_organisation": gettext("The organisation, only with the consent to name it."),
        "text_withheld": gettext("True when the text is not published (no consent)."),
        "fingerprint": gettext(
            "sha256 of the normalised text: copies of one campaign text share it (empty when"
            " the text is withheld)."
        ),
        "verification": gettext(
            "How far the sender was verified: %(levels)s.",
            levels=", ".join(
                f"'{level}'" for level in ("none", "email-unconfirmed", "email-confirmed")
            ),
        ),
    }


_JSON_TYPES: Final = {"string": "string", "datetime": "string", "boolean": "boolean"}


def _field_json_schema(field: AnyField) -> dict[str, Any]:
    """The JSON Schema of a field's value as the public view shows it (null when absent)."""
    if isinstance(field, EmailField):
        return {"type": "null"}
    if isinstance(field, PeopleField):
        person = {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "organisation": {"type": ["string", "null"]},
            },
            "required": ["name", "organisation"],
            "additionalProperties": False,
        }
        return {"type": ["array", "null"], "items": person}
    if isinstance(field, MultipleChoiceField):
        options = [o.value for o in field.options]
        return {"type": ["array", "null"], "items": {"enum": options}}
    if isinstance(field, ChoiceField):
        return {"enum": [*(o.value for o in field.options), None]}
    if isinstance(field, YesNoField):
        return {"type": ["boolean", "null"]}
    if isinstance(field, NumberField):
        return {"type": ["integer" if field.integer else "number", "null"]}
    if isinstance(field, DateField):
        return {"type": ["string", "null"], "format": "date"}
    return {"type": ["string", "null"]}  # text (with consent), URL, country, region, file ID/NAME


def _table_type(field: AnyField) -> str:
    if isinstance(field, YesNoField):
        return "boolean"
    if isinstance(field, NumberField):
        return "integer" if field.integer else "number"
    if isinstance(field, DateField):
        return "date"
    return "string"


def _field_description(field: AnyField, words: Messages, languages: tuple[str, ...]) -> str:
    label = field.label(words.language, languages)
    if isinstance(field, EmailField):
        return words.gettext("%(label)s: never published (always empty).", label=label)
    if isinstance(field, PeopleField):
        return words.gettext(
            "%(label)s: people who consented themselves, by name and organisation (JSON).",
            label=label,
        )
    if isinstance(field, FileField):
        return words.gettext(
            "%(label)s: the kept file as ID/NAME (the name alone for a file described, not"
            " sent), only where the submitter agreed to publish the text.",
            label=label,
        )
    if isinstance(field, MultipleChoiceField):
        return words.gettext(
            "%(label)s: values separated by %(separator)s.",
            label=label,
            separator=f"'{LIST_SEPARATOR}'",
        )
    return words.gettext("%(label)s.", label=label)


def row_schema(consultation: Consultation, language: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one public row (``export --public --format jsonl``),
    described in ``language`` (default: the consultation's first)."""
    words = messages(language or consultation.default_language)
    descriptions = _column_descriptions(words)
    fields = [f for f in declared_fields(consultation) if f.public]
    properties: dict[str, Any] = {}
    for column, kind in _COLUMNS.items():
        if column == "tags":
            schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
        elif column == "text_withheld":
            schema = {"type": "boolean"}
        else:
            schema = {"type": [_JSON_TYPES[kind], "null"]}
            if kind == "datetime":
                schema["format"] = "date-time"
        properties[column] = {**schema, "description": descriptions[column]}
    for field in fields:
        properties[FIELD_COLUMN_PREFIX + field.key] = _field_json_schema(field)
    columns = [*PUBLIC_COLUMNS, *(FIELD_COLUMN_PREFIX + f.key for f in fields)]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": words.gettext(
            "A public submission to %(consultation)s", consultation=consultation.id
        ),
        "type": "object",
        "properties": properties,
        "required": columns,
        "additionalProperties": False,
    }


def _package_name(consultation_id: str) -> str:
    # Data Package names are lower case letters, digits and "-._".
    return re.sub(r"[^a-z0-9._-]", "-", consultation_id.lower())


def _collection(consultation: Consultation) -> list[dict[str, Any]]:
    dates = []
    for call in consultation.calls:
        times = call_times(consultation, call)
        dates.append(
            {
                "call": call.id,
                "opens": _iso(times.opens),
                "closes": _iso(times.closes),
            }
        )
    return dates


def _iso(instant: Any) -> str | None:
    return None if instant is None else instant.isoformat().replace("+00:00", "Z")


def data_package(
    consultation: Consultation,
    submissions: Iterable[Submission],
    *,
    language: str | None = None,
) -> dict[str, bytes]:
    """The package's files by name (:data:`PACKAGE_FILES`), ready to write into a folder.

    ``language`` picks the words of the data card, the descriptions and the schema
    (default: the consultation's first).
    """
    lang = language or consultation.default_language
    languages = consultation.languages
    chosen = list(submissions)
    fields = declared_fields(consultation)
    public_fields = [f for f in fields if f.public]
    out = io.StringIO(newline="")
    count = export_submissions(out, chosen, format="csv", public=True, fields=fields)
    csv_bytes = out.getvalue().encode("utf-8")
    published = [s for s in chosen if is_public(s)]
    latest = max((s.updated_at for s in published), default=None)
    licence = consultation.licence

    words = messages(lang)
    descriptions = _column_descriptions(words)
    table_fields: list[dict[str, Any]] = [
        {"name": column, "type": kind, "description": descriptions[column]}
        for column, kind in _COLUMNS.items()
    ]
    table_fields += [
        {
            "name": FIELD_COLUMN_PREFIX + f.key,
            "type": _table_type(f),
            "description": _field_description(f, words, languages),
        }
        for f in public_fields
    ]
    for entry in table_fields:
        if entry["type"] == "boolean":
            entry["trueValues"], entry["falseValues"] = ["true"], ["false"]
    descriptor: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": _package_name(consultation.id),
        "title": consultation.title(lang, languages),
        "description": words.gettext(
            "The public submissions of this consultation: only accepted ones, each showing"
            " only what its submitter consented to publish. See %(card)s.",
            card="datacard.md",
        ),
        "created": _iso(latest),
        "licenses": [_licence_entry(licence)] if licence else [],
        "keywords": [
            words.pgettext("data package keyword", "consultation"),
            words.pgettext("data package keyword", "submissions"),
        ],
        "sources": [{"title": consultation.id, "path": consultation.website}]
        if consultation.website
        else [],
        "resources": [
            {
                "name": "submissions",
                "path": "submissions.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": {"fields": table_fields, "primaryKey": ["id"]},
            },
            {
                "name": "submissions-json-schema",
                "path": "submissions.schema.json",
                "profile": "data-resource",
                "format": "json",
                "mediatype": "application/schema+json",
                "description": words.gettext(
                    "The JSON Schema of one public submission (JSON Lines export)."
                ),
            },
            {
                "name": "datacard",
                "path": "datacard.md",
                "profile": "data-resource",
                "format": "md",
                "mediatype": "text/markdown",
            },
        ],
    }
    card = _data_card(consultation, lang, count, licence, table_fields)
    return {
        "datapackage.json": _json(descriptor),
        "submissions.csv": csv_bytes,
        "submissions.schema.json": _json(row_schema(consultation, lang)),
        "datacard.md": card.encode("utf-8"),
    }


def _licence_entry(licence: str) -> dict[str, str]:
    if licence.startswith(("http://", "https://")):
        return {"path": licence, "title": licence}
    return {"name": licence, "path": f"https://spdx.org/licenses/{licence}.html"}


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _data_card(
    consultation: Consultation,
    language: str,
    count: int,
    licence: str | None,
    table_fields: list[dict[str, Any]],
) -> str:
    title = consultation.title(language, consultation.languages)
    words = messages(language)
    gettext = words.gettext
    statuses = ", ".join(
        submission_status_label(s, words) for s in sorted(s.value for s in PUBLIC_STATUSES)
    )
    not_stated = words.pgettext("licence", "not stated")

    def heading(*names: str) -> str:
        return "| " + " | ".join(names) + " |"

    licence_line = gettext("Licence: %(licence)s", licence=licence or not_stated)
    if not licence:
        licence_line += " " + gettext("(the consultation file gives none: ask the organisers)")
    lines = [
        "# " + gettext("Data card: %(title)s", title=title),
        "",
        "- " + gettext("Consultation: %(id)s", id=f"`{consultation.id}`"),
        "- " + gettext("Public submissions: %(count)s", count=count),
        "- " + licence_line,
    ]
    if consultation.website:
        lines.append("- " + gettext("Source: %(link)s", link=consultation.website))
    rules = [
        gettext("Only submissions whose status is %(statuses)s are included.", statuses=statuses),
        gettext(
            "The title and text appear only if the submitter consented to publish the text;"
            " otherwise `text_withheld` is true and they are empty."
        ),
        gettext("The name and the organisation appear only with the submitter's consent to each."),
        gettext(
            "E-mail addresses never appear: fields of kind e-mail stay empty and addresses"
            " inside published text are replaced."
        ),
        gettext(
            "People named in a field (speakers, say) appear only with their own consent, by"
            " name and organisation."
        ),
        gettext(
            "A submitter who asked to be erased appears as %(tombstone)s.",
            tombstone=f"`{ERASED_TOMBSTONE}`",
        ),
    ]
    lines += [
        "",
        "## " + gettext("Consent rules"),
        "",
        *(f"- {rule}" for rule in rules),
        "",
        "## " + gettext("Collection dates (UTC)"),
        "",
        heading(
            words.pgettext("table heading", "Call"),
            words.pgettext("table heading", "Opens"),
            words.pgettext("table heading", "Closes"),
        ),
        "|---|---|---|",
    ]
    for entry in _collection(consultation):
        lines.append(
            f"| `{entry['call']}` | {entry['opens'] or not_stated}"
            f" | {entry['closes'] or not_stated} |"
        )
    lines += [
        "",
        "## " + gettext("Columns of %(file)s", file="submissions.csv"),
        "",
        heading(
            words.pgettext("table heading", "Column"),
            words.pgettext("table heading", "Type"),
            words.pgettext("table heading", "Meaning"),
        ),
        "|---|---|---|",
    ]
    for entry in table_fields:
        meaning = entry["description"].replace("|", "\\|")
        lines.append(f"| `{entry['name']}` | {entry['type']} | {meaning} |")
    lines.append("")
    return "\n".join(lines)


__all__ = ["PACKAGE_FILES", "data_package", "row_schema"]
