"""Reading submissions from CSV or JSON Lines into drafts, row by row, with line numbers.

The columns are those of :mod:`~consultkit.formats.submission_export` (a full export imports
back); only
``call_id``, ``submitter_name``, ``submitter_email``, ``group``, ``title`` and ``body`` are
required. Files are read as a stream in chunks, never whole, so an import of millions of
rows runs in constant memory. Every bad row becomes a :class:`~consultkit.errors.Problem`
carrying the line where the row starts (a CSV row with a quoted multi-line field starts
on the line of its opening quote) and what is wrong; good rows become :class:`ImportRow`
drafts for the application's import path, which applies the submitting rules.

CSV cells that an export neutralised (``'=…``) are restored: a ``'`` followed by one of
the formula characters is dropped. JSON Lines values are taken as they are.
"""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs

from consultkit.domain.fields import (
    FIELD_COLUMN_PREFIX,
    FileField,
    MultipleChoiceField,
    NumberField,
    PeopleField,
    YesNoField,
)
from consultkit.domain.submissions import Consent, Draft, Submitter
from consultkit.errors import ConsultkitError, InvalidValueError, Problem
from consultkit.formats.import_row import (
    ImportRow,
    parse_flag,
    parse_instant,
)
from consultkit.formats.submission_export import (
    FORMULA_PREFIXES,
    FULL_COLUMNS,
    LIST_SEPARATOR,
    NEUTRALISING_PREFIX,
    PUBLIC_COLUMNS,
)
from consultkit.i18n import Text, deferred
from consultkit.reasons import csv_reason, json_reason

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator

    from consultkit.domain.fields import AnyField

ImportFormat: TypeAlias = Literal["csv", "jsonl"]

REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "call_id",
    "submitter_name",
    "submitter_email",
    "group",
    "title",
    "body",
)
#: Columns read into the draft; the rest of an export's columns are accepted and ignored
#: (a new id, tracking number and status are given on import).
READ_COLUMNS: Final[frozenset[str]] = frozenset(
    {
        *REQUIRED_COLUMNS,
        "consultation_id",
        "language",
        "tags",
        "attachments",
        "submitter_organisation",
        "submitter_country",
        "consent_publish_text",
        "consent_publish_name",
        "consent_publish_organisation",
        "received_at",
        "idempotency_key",
        "tracking_number",
    }
)
KNOWN_COLUMNS: Final[frozenset[str]] = frozenset(FULL_COLUMNS) | frozenset(PUBLIC_COLUMNS)

DEFAULT_CHUNK_SIZE: Final = 10_000

#: The longest CSV cell read (characters). The csv module's default, 131,072, stopped the
#: whole import at the first long cell (issue 9, finding 14); cells this long are read, and
#: the submitting rules refuse the row they belong to (a body has at most 100,000).
CSV_FIELD_LIMIT: Final = 64 * 1024 * 1024


class ImportFileError(ConsultkitError, ValueError):
    """The file as a whole cannot be imported (bad header, not CSV/JSON Lines)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))

    def render(self, language: str | None) -> str:
        return self.problem.render(language)


@attrs.frozen(kw_only=True)
class ImportChunk:
    """Up to ``chunk_size`` rows read from the file: the good ones and the problems."""

    rows: tuple[ImportRow, ...]
    problems: tuple[Problem, ...]
    last_line: int
    """The last physical line read so far (for progress)."""


class _RowError(ValueError):
    def __init__(self, column: str, message: Text | str) -> None:
        self.column = column
        self.text = message
        super().__init__(str(message))


def restore_cell(cell: str) -> str:
    """Undo :func:`~consultkit.formats.submission_export.neutralise`.

    Drops a ``'`` put before a formula character.
    """
    if cell[:1] == NEUTRALISING_PREFIX and cell[1:2] in FORMULA_PREFIXES and len(cell) > 1:
        return cell[1:]
    return cell


def _text(record: dict[str, Any], column: str, *, required: bool = False) -> str | None:
    value = record.get(column)
    if value is None or value == "":
        if required:
            raise _RowError(column, deferred.gettext("is empty"))
        return None
    if not isinstance(value, str):
        if isinstance(value, bool | int | float):
            return str(value)
        raise _RowError(
            column, deferred.gettext("must be text, not %(type)s", type=type(value).__name__)
        )
    return value


def _flag(record: dict[str, Any], column: str) -> bool:
    try:
        return parse_flag(record.get(column))
    except InvalidValueError as exc:
        raise _RowError(column, _text_of(exc)) from None


def _list(record: dict[str, Any], column: str) -> tuple[str, ...]:
    value = record.get(column)
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise _RowError(
        column,
        deferred.gettext(
            "must be a list of texts or text separated by %(separator)s",
            separator=repr(LIST_SEPARATOR),
        ),
    )


def _instant(record: dict[str, Any], column: str) -> dt.datetime | None:
    text = _text(record, column)
    if text is None:
        return None
    try:
        return parse_instant(text)
    except InvalidValueError as exc:
        raise _RowError(column, _text_of(exc)) from None


def _text_of(error: ConsultkitError) -> Text | str:
    return error.text if error.text is not None else str(error)


def _known(column: str) -> bool:
    # A call field's column (``field.KEY``, what the export writes) is known whatever its
    # key: the submitting rules refuse a key the call does not declare, naming it.
    return column in KNOWN_COLUMNS or column.startswith(FIELD_COLUMN_PREFIX)


def _field_values(record: dict[str, Any], fields: tuple[AnyField, ...]) -> dict[str, Any]:
    """The ``field.KEY`` values of a record; an empty cell or null is no value.

    JSON Lines holds them raw. A CSV cell is text, read back as the export wrote it: a
    multiple choice ``;``-separated, people and files as JSON, yes/no and numbers as
    written; a key the consultation does not declare stays text.
    """
    kinds = {f.key: f for f in fields}
    values: dict[str, Any] = {}
    for column, raw in record.items():
        if not column.startswith(FIELD_COLUMN_PREFIX) or raw is None or raw == "":
            continue
        key = column.removeprefix(FIELD_COLUMN_PREFIX)
        if not isinstance(raw, str):
            values[key] = raw
            continue
        cell = restore_cell(raw)
        field = kinds.get(key)
        try:
            if isinstance(field, MultipleChoiceField):
                values[key] = [part for part in cell.split(LIST_SEPARATOR) if part]
            elif isinstance(field, PeopleField | FileField):
                values[key] = json.loads(cell)
            elif isinstance(field, YesNoField):
                values[key] = parse_flag(cell)
            elif isinstance(field, NumberField):
                values[key] = float(cell) if any(c in cell for c in ".eE") else int(cell)
            else:
                values[key] = cell
        except (ValueError, RecursionError):
            raise _RowError(
                column,
                deferred.gettext(
                    "cannot be read as a %(kind)s value", kind=field.kind if field else "text"
                ),
            ) from None
    return values


def row_from_record(
    record: dict[str, Any],
    *,
    line: int,
    consultation_id: str,
    default_language: str,
    fields: tuple[AnyField, ...] = (),
) -> ImportRow:
    """Turn one record (column -> value) into an :class:`ImportRow`, or raise ``ValueError``.

    The error's message names the column and what is wrong. ``fields`` (the
    consultation's declared fields) tell how a CSV ``field.KEY`` cell is read.
    """
    for column in REQUIRED_COLUMNS:
        _text(record, column, required=True)
    other = _text(record, "consultation_id")
    if other is not None and other != consultation_id:
        raise _RowError(
            "consultation_id",
            deferred.gettext(
                "the row is for consultation %(other)s, not %(this)s",
                other=repr(other),
                this=repr(consultation_id),
            ),
        )
    organisation = _text(record, "submitter_organisation")
    submitter = Submitter(
        name=_text(record, "submitter_name") or "",
        email=(_text(record, "submitter_email") or "").strip(),
        group=(_text(record, "group") or "").strip(),
        organisation=organisation,
        country=_text(record, "submitter_country"),
    )
    draft = Draft(
        call_id=(_text(record, "call_id") or "").strip(),
        submitter=submitter,
        title=_text(record, "title") or "",
        body=_text(record, "body") or "",
        language=(_text(record, "language") or default_language).strip(),
        tags=_list(record, "tags"),
        attachments=_list(record, "attachments"),
        consent=Consent(
            publish_text=_flag(record, "consent_publish_text"),
            publish_name=_flag(record, "consent_publish_name"),
            publish_organisation=_flag(record, "consent_publish_organisation"),
        ),
        fields=_field_values(record, fields),
    )
    return ImportRow(
        line=line,
        draft=draft,
        received_at=_instant(record, "received_at"),
        idempotency_key=_text(record, "idempotency_key"),
        tracking_number=_text(record, "tracking_number"),
    )


def _unknown_columns(unknown: list[str], path: str, file: str | None, line: int) -> Problem:
    """CSV columns or JSON Lines keys that are not the export's: the same names in both."""
    return Problem(
        path=path,
        message=deferred.ngettext(
            "unknown column %(columns)s",
            "unknown columns %(columns)s",
            len(unknown),
            columns=", ".join(map(repr, unknown)),
        ),
        hint=deferred.gettext("use the column names of `consultkit submissions export`"),
        file=file,
        line=line,
    )


def _check_header(columns: list[str], file: str | None) -> None:
    # The header is line 1: the location says where, no field path is needed.
    unknown = [c for c in columns if not _known(c)]
    if unknown:
        raise ImportFileError(_unknown_columns(unknown, "", file, 1))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            Problem(
                path="",
                message=deferred.ngettext(
                    "missing column %(columns)s",
                    "missing columns %(columns)s",
                    len(missing),
                    columns=", ".join(missing),
                ),
                hint=deferred.gettext(
                    "the required columns are %(columns)s", columns=", ".join(REQUIRED_COLUMNS)
                ),
                file=file,
                line=1,
            )
        )
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise ImportFileError(
            Problem(
                path="",
                message=deferred.ngettext(
                    "column named twice: %(columns)s",
                    "columns named twice: %(columns)s",
                    len(duplicates),
                    columns=", ".join(duplicates),
                ),
                file=file,
                line=1,
            )
        )


def _csv_records(
    stream: IO[str], file: str | None
) -> Iterator[tuple[int, int, dict[str, Any] | Problem]]:
    """(first line, last line, record or problem) per CSV row; the header is checked."""
    # The limit is process-wide in the csv module: only ever raise it, never lower it
    # under another reader's feet.
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(
            Problem(
                path="",
                message=deferred.gettext("the file is empty"),
                hint=deferred.gettext("expected a header row"),
                file=file,
            )
        ) from None
    except csv.Error:
        raise ImportFileError(
            Problem(
                path="",
                message=csv_reason(reader.line_num or 1),
                file=file,
                line=1,
            )
        ) from None
    columns = [c.strip().lstrip("\ufeff") for c in header]
    _check_header(columns, file)
    width = len(columns)
    previous = reader.line_num
    while True:
        start = previous + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # The reader stops being useful after a broken quote; report and stop, and
            # say so: the summary cannot count rows it never read.
            yield (
                start,
                reader.line_num,
                Problem(
                    path="",
                    message=deferred.gettext(
                        "%(reason)s; the rest of the file was not read",
                        reason=csv_reason(start),
                    ),
                    hint=deferred.gettext(
                        "fix this row and import again (stored rows are skipped)"
                    ),
                    file=file,
                    line=start,
                ),
            )
            return
        previous = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != width:
            yield (
                start,
                previous,
                Problem(
                    path="",
                    message=deferred.ngettext(
                        "has %(num)s cell; the header has %(width)s",
                        "has %(num)s cells; the header has %(width)s",
                        len(cells),
                        width=width,
                    ),
                    hint=deferred.gettext("quote cells that contain commas or line breaks"),
                    file=file,
                    line=start,
                ),
            )
            continue
        yield start, previous, {c: restore_cell(v) for c, v in zip(columns, cells, strict=True)}


def _jsonl_records(
    stream: IO[str], file: str | None
) -> Iterator[tuple[int, int, dict[str, Any] | Problem]]:
    """(line, line, record or problem) per JSON Lines line; blank lines are skipped."""
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            # Without its line break, an error at the end of the record is on its line,
            # the line the problem names.
            record = json.loads(text.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            yield (
                number,
                number,
                Problem(
                    path="",
                    message=json_reason(exc, first_line=number),
                    file=file,
                    line=number,
                ),
            )
            continue
        except RecursionError:
            yield (
                number,
                number,
                Problem(
                    path="",
                    message=deferred.gettext("not usable JSON: nested too deeply"),
                    file=file,
                    line=number,
                ),
            )
            continue
        except ValueError:
            # json.loads raises nothing else but for an integer of more than 4,300 digits
            # (CPython's conversion limit); its own words are English.
            yield (
                number,
                number,
                Problem(
                    path="",
                    message=deferred.gettext("not usable JSON: a number has too many digits"),
                    file=file,
                    line=number,
                ),
            )
            continue
        if not isinstance(record, dict):
            yield (
                number,
                number,
                Problem(
                    path="",
                    message=deferred.gettext("is not a JSON object"),
                    file=file,
                    line=number,
                ),
            )
            continue
        unknown = [k for k in record if not _known(k)]
        if unknown:
            yield number, number, _unknown_columns(unknown, unknown[0], file, number)
            continue
        yield number, number, record


def read_chunks(
    stream: IO[str],
    *,
    format: ImportFormat,
    consultation_id: str,
    default_language: str = "en",
    file: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    fields: tuple[AnyField, ...] = (),
) -> Iterator[ImportChunk]:
    """Read ``stream`` in chunks of at most ``chunk_size`` records (good or bad).

    Open CSV files with ``newline=""`` (the :mod:`csv` module's rule) so quoted line
    breaks survive. A file that cannot be read at all raises :class:`ImportFileError`.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if format == "csv":
        records = _csv_records(stream, file)
    elif format == "jsonl":
        records = _jsonl_records(stream, file)
    else:
        raise ValueError(f"unknown import format {format!r}: use csv or jsonl")
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    last = 0
    for start, last, record in records:
        if isinstance(record, Problem):
            problems.append(record)
        else:
            try:
                rows.append(
                    row_from_record(
                        record,
                        line=start,
                        consultation_id=consultation_id,
                        default_language=default_language,
                        fields=fields,
                    )
                )
            except _RowError as exc:
                problems.append(Problem(path=exc.column, message=exc.text, file=file, line=start))
            except ConsultkitError as exc:
                problems.append(Problem(path="", message=_text_of(exc), file=file, line=start))
            except ValueError as exc:
                problems.append(Problem(path="", message=str(exc), file=file, line=start))
        if len(rows) + len(problems) >= chunk_size:
            yield ImportChunk(rows=tuple(rows), problems=tuple(problems), last_line=last)
            rows, problems = [], []
    if rows or problems:
        yield ImportChunk(rows=tuple(rows), problems=tuple(problems), last_line=last)


def guess_format(path: str) -> ImportFormat:
    """The format a file name suggests: ``.jsonl``/``.ndjson`` is JSON Lines, else CSV."""
    lowered = path.lower()
    return "jsonl" if lowered.endswith((".jsonl", ".ndjson", ".jsonl.txt")) else "csv"


def all_rows(chunks: Iterable[ImportChunk]) -> tuple[list[ImportRow], list[Problem]]:
    """Collect every row and problem of ``chunks`` (for tests and small files)."""
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for chunk in chunks:
        rows.extend(chunk.rows)
        problems.extend(chunk.problems)
    return rows, problems
