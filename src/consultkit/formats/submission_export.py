"""Submission exports: the columns, spreadsheet-safe CSV, JSON Lines and the public view.

Two views of a submission exist:

* the **full** view, for organisers: every stored field, including the submitter's
  e-mail address, the tracking number and the idempotency key;
* the **public** view, for publication: only what the submitter consented to publish
  (text, name, organisation), never an e-mail address, never the tracking number (it
  works as a bearer reference, reliability notes S8), only accepted submissions, and a
  tombstone in place of an erased submitter. E-mail addresses typed *inside* published
  text are replaced too, because the rule is "a public export contains no address".

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading ``'`` (OWASP CSV injection; reliability
notes S1). JSON Lines stays raw: it is read by programs, not spreadsheets, and changing
the value there would only corrupt it.
"""

from __future__ import annotations

import csv
import json
import re
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TypeAlias

from consultkit.domain.fields import (
    FIELD_COLUMN_PREFIX,
    EmailField,
    FileField,
    PeopleField,
    TextField,
)
from consultkit.domain.submissions import (
    SubmissionRecordStream,
    SubmissionStatus,
    record_instants_as_text,
    submission_record,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from consultkit.domain.fields import AnyField
    from consultkit.domain.model import Consultation
    from consultkit.domain.submissions import (
        AnySubmissionRecordStream,
        Submission,
        SubmissionRecord,
    )

ExportFormat: TypeAlias = Literal["csv", "jsonl"]
Row: TypeAlias = dict[str, Any]

#: Characters that make a spreadsheet treat a cell as a formula (or move it into one).
FORMULA_PREFIXES: Final = frozenset("=+-@\t\r")
#: The prefix that turns a would-be formula into text.
NEUTRALISING_PREFIX: Final = "'"

#: Columns of the full (organiser) export, in order. ``import`` reads the same names.
FULL_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "tracking_number",
    "consultation_id",
    "call_id",
    "group",
    "language",
    "status",
    "received_at",
    "updated_at",
    "title",
    "body",
    "tags",
    "attachments",
    "submitter_name",
    "submitter_email",
    "submitter_organisation",
    "submitter_country",
    "consent_publish_text",
    "consent_publish_name",
    "consent_publish_organisation",
    "provenance",
    "fingerprint",
    "idempotency_key",
    "erased_at",
    "verification",
    "held",
)

_FULL_WIDTH: Final = len(FULL_COLUMNS)

#: Columns of the public export, in order: no e-mail, no tracking number, no key.
PUBLIC_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "call_id",
    "group",
    "language",
    "received_at",
    "title",
    "body",
    "tags",
    "submitter_name",
    "submitter_organisation",
    "text_withheld",
    "fingerprint",
    "verification",
)

#: Statuses whose submissions a public export includes: only what was accepted.
PUBLIC_STATUSES: Final = frozenset({SubmissionStatus.ACCEPTED})

#: What a public export shows instead of an erased submitter.
ERASED_TOMBSTONE: Final = "[erased]"
#: What replaces an e-mail address found inside published text.
EMAIL_REDACTION: Final = "[e-mail removed]"

#: Separator for list cells (tags, attachments) in CSV; JSON Lines keeps real lists.
LIST_SEPARATOR: Final = ";"

# Deliberately broad: a false positive only hides a few characters of published text,
# a false negative publishes someone's address. The "@" may be written as a full-width or
# small at sign, percent- or HTML-encoded, or as "(at)"/"[at]" (issue 9), and the dots of
# a domain as "(dot)".
# Bounded like RFC 5321's parts (64 and 255 octets), so a long run of text without
# spaces costs linear time, not quadratic backtracking.
_LOCAL = r"[^\s<>()\[\]{}\"',;:@\uff20\ufe6b]{1,64}"
_ADDRESS_CHARS = r"[^\s<>()\[\]{}\"',;:@\uff20\ufe6b]{1,255}"
_AT = (
    r"(?:@|\uff20|\ufe6b|%40|&#0*64;|&#x0*40;|&commat;"
    r"|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+(?=\S+\s*[(\[{]\s*dot\s*[)\]}]))"
)
_AT_MARKER = re.compile(
    r"@|\uff20|\ufe6b|%40|&#|&commat;|[(\[{]\s*at\s*[)\]}]|\sat\s", re.IGNORECASE
)
_DOT = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*)"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}{_ADDRESS_CHARS}(?:{_DOT}{_ADDRESS_CHARS})*", re.IGNORECASE)


def neutralise(cell: str) -> str:
    """Return ``cell`` made safe for a spreadsheet: a would-be formula gets a leading ``'``.

    Only the first character decides (the OWASP rule). A neutralised cell is exactly the
    input with one ``'`` in front, so stripping that prefix restores the input.
    """
    if cell[:1] in FORMULA_PREFIXES:
        return NEUTRALISING_PREFIX + cell
    return cell


def redact_emails(text: str) -> str:
    """Replace anything that looks like an e-mail address in ``text`` (public exports).

    Obfuscated forms count: ``bob＠example.org``, ``bob%40example.org``,
    ``bob&#64;example.org``, ``bob (at) example (dot) org``.
    """
    if not _AT_MARKER.search(text):
        return text  # most texts: one fast scan
    return _EMAIL.sub(EMAIL_REDACTION, text)


def declared_fields(consultation: Consultation) -> tuple[AnyField, ...]:
    """Every field the consultation's calls declare, once per key, in call order.

    An export spans calls: a key two calls share is one column (the first declaration
    decides whether it is public).
    """
    seen: dict[str, AnyField] = {}
    for call in consultation.calls:
        for field in call.fields:
            seen.setdefault(field.key, field)
    return tuple(seen.values())


def field_columns(fields: Iterable[AnyField], *, public: bool = False) -> tuple[str, ...]:
    """The columns for ``fields``: all of them, or only the public ones for ``public``."""
    return tuple(FIELD_COLUMN_PREFIX + f.key for f in fields if f.public or not public)


def _public_value(field: AnyField, value: Any, show_text: bool) -> Any:
    """A public field's value as a public export may show it.

    Free text is the submitter's and follows their consent to publish text; a person
    appears only with their own consent, by name and organisation (never an address); an
    e-mail field never appears; every other string has addresses in it replaced.
    """
    if value is None or isinstance(field, EmailField):
        return None
    if isinstance(field, TextField):
        return redact_emails(value) if show_text and isinstance(value, str) else None
    if isinstance(field, PeopleField):
        return [
            {
                "name": redact_emails(str(p.get("name", ""))),
                "organisation": redact_emails(str(p["organisation"]))
                if p.get("organisation")
                else None,
            }
            for p in value
            if isinstance(p, dict) and p.get("consent_publish") is True
        ]
    if isinstance(field, FileField):
        # The file is served publicly under the same consent as the text (it may show
        # the submitter as a name does), so its id and name follow that consent too.
        return file_cell(value) if show_text and isinstance(value, dict) else None
    if isinstance(value, str):
        return redact_emails(value)
    if isinstance(value, list):
        return [redact_emails(v) if isinstance(v, str) else v for v in value]
    if isinstance(value, dict):  # a file reference: its name only
        return redact_emails(str(value.get("name", "")))
    return value


def file_cell(value: Mapping[str, Any]) -> str:
    """A file field's cell: ``ID/NAME`` for a kept file, the name alone for a described one."""
    name = redact_emails(str(value.get("name", "")))
    attachment = value.get("attachment")
    return f"{attachment}/{name}" if attachment else name


def full_row(submission: Submission, fields: tuple[AnyField, ...] = ()) -> Row:
    """The organiser's view of ``submission`` as a flat row (keys: :data:`FULL_COLUMNS`,
    then ``field.KEY`` for each of ``fields``)."""
    columns = FULL_COLUMNS + field_columns(fields)
    return dict(zip(columns, _full_values(_text_record(submission), fields), strict=True))


def _text_record(submission: Submission) -> SubmissionRecord[str]:
    return record_instants_as_text(submission_record(submission))


def _full_values(r: SubmissionRecord[str], fields: tuple[AnyField, ...]) -> list[Any]:
    """The full view's values in column order (:func:`full_row`'s, without the keys)."""
    # The record holds the columns in this order (SubmissionRecord says so), its instants
    # as the text written: copy them in one slice and convert the few that are not plain
    # values (the export's hot path).
    row: list[Any] = list(r[:_FULL_WIDTH])
    row[6] = str(r.status)
    row[11] = list(r.tags)
    row[12] = list(r.attachments)
    row[20] = str(r.provenance)
    row[24] = str(r.verification)
    if fields:
        values = r.fields
        row += [values.get(field.key) for field in fields]
    return row


def public_row(submission: Submission, fields: tuple[AnyField, ...] = ()) -> Row:
    """The public view of ``submission`` (keys: :data:`PUBLIC_COLUMNS`), consent applied.

    Text (title and body) appears only with ``publish_text``, the name only with
    ``publish_name``, the organisation only with ``publish_organisation``; an erased
    submitter shows as :data:`ERASED_TOMBSTONE` whatever the consent said. E-mail
    addresses inside published values are replaced by :data:`EMAIL_REDACTION`. The
    public ones of ``fields`` follow as ``field.KEY`` (see :func:`_public_value`).
    """
    columns = PUBLIC_COLUMNS + field_columns(fields, public=True)
    return dict(zip(columns, _public_values(_text_record(submission), fields), strict=True))


def _public_values(r: SubmissionRecord[str], fields: tuple[AnyField, ...]) -> list[Any]:
    """The public view's values in column order (:func:`public_row`'s, without the keys)."""
    show_text = r.consent_publish_text and r.body is not None
    if r.submitter_name is None:
        # The identity is gone; say so rather than leave a gap that looks like "anonymous".
        name: str | None = ERASED_TOMBSTONE
        organisation: str | None = None
        group = None
    else:
        name = redact_emails(r.submitter_name) if r.consent_publish_name else None
        organisation = (
            redact_emails(r.submitter_organisation)
            if r.consent_publish_organisation and r.submitter_organisation
            else None
        )
        group = r.group
    row = [
        r.id,
        r.call_id,
        group,
        r.language,
        r.received_at,
        redact_emails(r.title) if show_text else None,
        redact_emails(r.body) if show_text and r.body is not None else None,
        [redact_emails(t) for t in r.tags] if show_text else [],
        name,
        organisation,
        not show_text,
        # An unsalted hash of a short withheld text could be confirmed by guessing it.
        r.fingerprint if show_text else None,
        # Says how far the sender was verified, not who they are: public like the group.
        r.verification.value,
    ]
    if fields:
        row += _public_field_values(r.fields, fields, show_text).values()
    return row


def public_field_values(submission: Submission, fields: Iterable[AnyField]) -> dict[str, Any]:
    """The public ones of ``fields`` by key, as the public view shows them: the one place
    consent is applied to field values (public exports, event payloads, the report)."""
    show_text = submission.consent.publish_text and submission.body is not None
    return _public_field_values(submission.fields, fields, show_text)


def _public_field_values(
    values: Mapping[str, Any], fields: Iterable[AnyField], show_text: bool
) -> dict[str, Any]:
    return {
        field.key: _public_value(field, values.get(field.key), show_text)
        for field in fields
        if field.public
    }


def is_public(submission: Submission) -> bool:
    """True when a public export includes ``submission`` (its status is public)."""
    return submission.status in PUBLIC_STATUSES


def rows(
    submissions: Iterable[Submission],
    *,
    public: bool = False,
    fields: tuple[AnyField, ...] = (),
) -> Iterator[Row]:
    """Rows for ``submissions`` in the order given; ``public`` applies the public view."""
    columns = _columns(public, fields)
    for values in _values(map(_text_record, submissions), public, fields):
        yield dict(zip(columns, values, strict=True))


def _columns(public: bool, fields: tuple[AnyField, ...]) -> tuple[str, ...]:
    return (PUBLIC_COLUMNS if public else FULL_COLUMNS) + field_columns(fields, public=public)


def _values(
    records: Iterable[SubmissionRecord[str]], public: bool, fields: tuple[AnyField, ...]
) -> Iterator[list[Any]]:
    """Each record's values in the view's column order (public: public statuses only)."""
    if public:
        for record in records:
            if record.status in PUBLIC_STATUSES:
                yield _public_values(record, fields)
    else:
        for record in records:
            yield _full_values(record, fields)


def csv_cell(value: Any) -> str:
    """One value as CSV text, neutralised: lists joined by ``;``, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) or (
        isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value)
    ):
        # A person or a file of a call's fields: JSON, readable and unambiguous in a cell.
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, list | tuple):
        return neutralise(LIST_SEPARATOR.join(str(v) for v in value))
    return neutralise(str(value))


def _list_cell(value: list[Any]) -> str:
    """:func:`csv_cell` of a list, sooner for the usual list of strings (tags)."""
    try:
        joined = LIST_SEPARATOR.join(value)
    except TypeError:  # not all strings: a person, a file, a number
        return csv_cell(value)
    return NEUTRALISING_PREFIX + joined if joined[:1] in FORMULA_PREFIXES else joined


def write_csv(
    out: IO[str],
    rows: Iterable[Row],
    columns: tuple[str, ...],
    *,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Write a header and ``rows`` as RFC 4180 CSV to ``out``, every cell neutralised.

    Returns the number of rows written. ``on_row`` is called after each row (progress).
    """
    return _write_csv_values(out, ([row[c] for c in columns] for row in rows), columns, on_row)


def _write_csv_values(
    out: IO[str],
    rows: Iterable[Sequence[Any]],
    columns: tuple[str, ...],
    on_row: Callable[[], None] | None,
) -> int:
    """:func:`write_csv` for rows given as values in column order."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    prefixes = FORMULA_PREFIXES
    quote = NEUTRALISING_PREFIX
    for values in rows:
        # The common cases (a plain string, nothing, a flag, no tags) are inlined, with
        # no function call: this is the export's hot loop; csv_cell handles every other
        # type and gives the same text for these.
        writer.writerow(
            [
                (quote + v if v[:1] in prefixes else v)
                if v.__class__ is str
                else ""
                if v is None
                else ("true" if v else "false")
                if v.__class__ is bool
                else (_list_cell(v) if v else "")
                if v.__class__ is list
                else csv_cell(v)
                for v in values
            ]
        )
        count += 1
        if on_row is not None:
            on_row()
    return count


def write_jsonl(
    out: IO[str],
    rows: Iterable[Row],
    columns: tuple[str, ...],
    *,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Write ``rows`` as JSON Lines (one object per line, keys in ``columns`` order), raw.

    Returns the number of rows written.
    """
    return _write_jsonl_values(out, ([row[c] for c in columns] for row in rows), columns, on_row)


def _write_jsonl_values(
    out: IO[str],
    rows: Iterable[Sequence[Any]],
    columns: tuple[str, ...],
    on_row: Callable[[], None] | None,
) -> int:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    for values in rows:
        out.write(encode(dict(zip(columns, values, strict=True))))
        out.write("\n")
        count += 1
        if on_row is not None:
            on_row()
    return count


def export_records(
    out: IO[str],
    records: AnySubmissionRecordStream,
    *,
    format: ExportFormat = "csv",
    public: bool = False,
    on_row: Callable[[], None] | None = None,
    fields: tuple[AnyField, ...] = (),
) -> int:
    """Write flat ``records`` to ``out`` as CSV or JSON Lines; returns the row count.

    What :meth:`~consultkit.storage.protocols.SubmissionStore.submission_records` streams,
    written as :func:`export_submissions` writes the same submissions (byte for byte):
    the export's fast path, with no submission object built, and no instant parsed when
    the store gives them as text (issue 14).
    """
    columns = _columns(public, fields)
    selected = _values(records.with_instant_text(), public, fields)
    if format == "csv":
        return _write_csv_values(out, selected, columns, on_row)
    if format == "jsonl":
        return _write_jsonl_values(out, selected, columns, on_row)
    raise ValueError(f"unknown export format {format!r}: use csv or jsonl")


def export_submissions(
    out: IO[str],
    submissions: Iterable[Submission],
    *,
    format: ExportFormat = "csv",
    public: bool = False,
    on_row: Callable[[], None] | None = None,
    fields: tuple[AnyField, ...] = (),
) -> int:
    """Write ``submissions`` to ``out`` as CSV or JSON Lines; returns the row count.

    The order is the order of ``submissions`` (the store lists them by received time,
    then id, so exports are stable). ``public`` applies :func:`public_row` and keeps only
    :data:`PUBLIC_STATUSES`. ``fields`` (:func:`declared_fields`) add a ``field.KEY``
    column each, after the fixed ones: all of them, or only the public ones in the public
    view; without fields the columns are exactly the fixed ones. A store's records
    (:func:`export_records`) are cheaper to write than its submissions.
    """
    return export_records(
        out,
        SubmissionRecordStream.of_datetimes(map(submission_record, submissions)),
        format=format,
        public=public,
        on_row=on_row,
        fields=fields,
    )
