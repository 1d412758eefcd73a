"""The application object: one plugin host, one store and one clock, and the verbs users have.

A program (the command line, a web front end, a plugin's command, a test) holds one
:class:`Consultkit`. Each verb checks with the pure domain (:mod:`consultkit.domain`), asks
plugins through the typed facade (:class:`~consultkit.pluginhost.host.PluginHost`) and
writes through the store in one transaction. Event hooks run only after the transaction
committed, and their failures are reported, never allowed to lose or undo what was stored.

The verbs: submitting and deciding (here), review rounds (:mod:`consultkit.app.review`),
publishing and exporting the schedule
(:mod:`consultkit.app.publishing`), reminders, subscriptions and the outbox
(:mod:`consultkit.app.dispatch`), and what the plugins registered
(:mod:`consultkit.app.plugin_report`). Front ends parse, call a verb and print.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple, cast

import attrs

from consultkit.domain.campaigns import NEAR_DUPLICATE_SIMILARITY, DuplicateGroup, campaign_groups
from consultkit.domain.clock import SystemClock
from consultkit.domain.instants import utc_instant
from consultkit.domain.submissions import (
    Actor,
    ActorRole,
    Consent,
    Draft,
    DraftFields,
    HistoryEntry,
    Provenance,
    Receipt,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    Submitter,
    Verification,
    draft_fields,
    normalize_tracking_number,
    submission_from_record,
    weak_tracking_number,
)
from consultkit.domain.submissions import (
    SubmissionRecord as FlatSubmission,  # this module's SubmissionRecord is another value
)
from consultkit.domain.windows import to_utc
from consultkit.errors import (
    ConfigError,
    ConfirmationLinkError,
    ConsultkitError,
    InvalidValueError,
    PermissionDeniedError,
    PluginRefusedError,
    Problem,
    RuleRefusedError,
    StoreError,
    UnknownItemError,
)
from consultkit.i18n import Text, deferred, joined
from consultkit.pluginhost.host import PluginHost
from consultkit.storage.protocols import (
    ApiToken,
    QuotaReachedError,
    StoreConflictError,
    SubmissionRecordLoader,
    Subscription,
    default_store_url,
)
from consultkit.value_methods import shared_value_methods

# Start-up (issue 14): the modules behind the schedule verbs (publishing), the outbox
# dispatcher, the plugin report, reviews (app.review), statistics, the compilation report,
# imports and exports (formats.stats, .report, .submission_import, .submission_export with
# the call fields it reads: about 45 ms together) are
# imported inside the verbs that use them, so a command such as ``submit`` does not pay
# for them; only their types are imported here.
# A new verb with heavy dependencies does the same (benchmarks/bench_startup.py and
# tests/test_startup_imports.py hold every CLI verb to it).
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import IO

    import click

    from consultkit.app.confirmation import ConfirmationSigner
    from consultkit.app.dispatch import Dispatcher, DispatchReport, OutboxStatus
    from consultkit.app.paging import Page
    from consultkit.app.plugin_report import PluginReport
    from consultkit.app.publishing import FeedFile, PublishResult, RevisionRecord, SchedulePreview
    from consultkit.app.review import (
        AssignmentResult,
        DecisionReport,
        Ranking,
        ReviewOutcome,
        RoundStatus,
    )
    from consultkit.domain.attachments import CheckedUpload, StoredAttachment, Upload
    from consultkit.domain.checks import CheckWarning
    from consultkit.domain.clock import Clock
    from consultkit.domain.model import Consultation
    from consultkit.domain.reminders import DueReminder
    from consultkit.domain.review.pool import ReviewerPool
    from consultkit.domain.review.scores import Review
    from consultkit.domain.submission_rules import SubmissionRules
    from consultkit.formats.exporter import Exporter, ExportOptions
    from consultkit.formats.import_row import ImportRow
    from consultkit.formats.stats import Stats
    from consultkit.formats.submission_export import ExportFormat
    from consultkit.notify.channels import Notifier
    from consultkit.notify.settings import NotifySettings
    from consultkit.storage.attachment_files import AttachmentFiles
    from consultkit.storage.protocols import (
        DeliveryStatus,
        OutboxEvent,
        ScheduleRevision,
        Store,
    )


ATTACHMENTS_ENV: Final = "CONSULTKIT_ATTACHMENTS"
"""The directory for attached files when the application is given none."""

DECISIONS = (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED)
_CAS_ATTEMPTS = 3
_NO_CONSENT: Final = Consent()  # a value: every submission that gives none shares it
IMPORT_CHUNK_SIZE = 2_000
"""Rows per bulk-import transaction. Each row dirties about 7 index pages spread at random
(tracking number, idempotency hash, e-mail, fingerprint), so a 10,000-row chunk wrote a
255 MB WAL at 1 M rows; 2,000 keeps it near 60 MB at the same throughput (the import is
CPU-bound, so the extra commits cost nothing measurable; benchmarks/bench_submit.py)."""


_FILES_STAY = deferred.gettext(
    "stored files stay as they were sent: an edit cannot add or swap one"
)


def _kept_files(previous: Submission, given: Sequence[str] | None) -> tuple[str, ...]:
    """An edit's attachments: the text references given, then the stored files as they were.

    An edit sends no file, so a stored file it names must be one of this submission's
    (else it could claim another's); and each stays, since a file no reference names
    would escape erasure.
    """
    from consultkit.domain.attachments import parse_reference

    if given is None:
        return previous.attachments
    stored = tuple(a for a in previous.attachments if parse_reference(a) is not None)
    if any(parse_reference(a) is not None and a not in stored for a in given):
        raise RuleRefusedError("attachment", _FILES_STAY, field="attachments")
    return (*(a for a in given if parse_reference(a) is None), *stored)


def _kept_field_files(
    consultation: Consultation, previous: Submission, given: Mapping[str, Any] | None
) -> dict[str, Any]:
    """An edit's field values, with every file field's value as it was sent."""
    from consultkit.domain.fields import FileField

    if given is None:
        return dict(previous.fields)
    values = dict(given)
    call = next((c for c in consultation.calls if c.id == previous.call_id), None)
    for field in () if call is None else call.fields:
        if not isinstance(field, FileField):
            continue
        if field.key in values and values[field.key] != previous.fields.get(field.key):
            refusal = deferred.gettext(
                "field %(key)r: %(problem)s", key=field.key, problem=_FILES_STAY
            )
            raise RuleRefusedError("field", refusal, field=field.key)
        if field.key in previous.fields:
            values[field.key] = previous.fields[field.key]
    return values


def _private_field_files(consultation: Consultation, submission: Submission) -> set[str]:
    """The ids of files kept for ``submission``'s file fields that are not public."""
    from consultkit.domain.fields import FileField

    call = next((c for c in consultation.calls if c.id == submission.call_id), None)
    ids = set()
    for field in () if call is None else call.fields:
        value = submission.fields.get(field.key)
        if isinstance(field, FileField) and not field.public and isinstance(value, dict):
            ids.add(str(value.get("attachment")))
    return ids


@attrs.frozen(kw_only=True)
@shared_value_methods
class SubmissionRecord:
    """A submission with its full history, as an organiser sees it.

    ``versions`` are the contents earlier edits replaced, oldest first (empty when it was
    never edited); the submission shows version ``len(versions) + 1``.
    """

    submission: Submission
    history: tuple[HistoryEntry, ...]
    versions: tuple[SubmissionVersion, ...] = ()

    @property
    def public_status(self) -> str:
        from consultkit.domain.lifecycle import public_status

        return public_status(self.submission.status)


@attrs.frozen(kw_only=True)
@shared_value_methods
class ImportProblem:
    """One row a bulk import refused: its position (1-based), the rule and the reason."""

    row: int
    rule: str
    message: str | Text
    """The reason; ``str()`` of it is English, ``render(language)`` the reader's words."""

    def __str__(self) -> str:
        return f"row {self.row}: {self.rule}: {self.message}"


@attrs.frozen(kw_only=True)
@shared_value_methods
class ReminderRun:
    """What one :meth:`Consultkit.enqueue_reminders` run found due and how many were new."""

    events: tuple[OutboxEvent, ...]
    added: int
    waiting: tuple[str, ...] = ()
    """Reminders due for a round's reviewers, not enqueued for want of the reviewers file."""
    unreachable: tuple[str, ...] = ()
    """Reviewers with reviews to give whom the reviewers file gives no address."""

    @property
    def already_enqueued(self) -> int:
        """Due events enqueued by an earlier run (skipped this time)."""
        return len(self.events) - self.added


@attrs.frozen(kw_only=True)
@shared_value_methods
class ImportReport:
    """What a bulk import did: rows read, stored, already present (skipped) and refused."""

    rows: int
    stored: int
    skipped: int
    refused: tuple[ImportProblem, ...]


def _tags(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # split() with no separator never gives an empty part.
        return tuple(value.replace(",", " ").replace(";", " ").split())
    if isinstance(value, list | tuple):
        return tuple(str(part) for part in value)
    raise InvalidValueError(
        deferred.gettext(
            "tags must be a list or a comma-separated text, not %(type)s",
            type=type(value).__name__,
        )
    )


class _Reader(NamedTuple):
    """What a bulk import uses per row of the file reader's module and of the submitting
    rules, imported once per import.

    ``consultkit.formats.import_row`` and ``consultkit.domain.submission_rules`` are
    imported in the verb, not at the top (start-up), and not once per row either: a
    function-level import of a loaded module still costs a microsecond (issue 14). The
    file reader itself is not needed for rows given as mappings.
    """

    flag: Callable[[object], bool]
    instant: Callable[[str], dt.datetime]
    derived_key: Callable[[int, str, str, str, str], str]
    import_row: type[ImportRow]
    record: Callable[..., FlatSubmission]


def _reader() -> _Reader:
    from consultkit.domain.submission_rules import new_submission_record
    from consultkit.formats import import_row as module

    return _Reader(
        module.parse_flag,
        module.parse_instant,
        module.derived_key,
        module.ImportRow,
        new_submission_record,
    )


def _instant(value: object, parse: Callable[[str], dt.datetime]) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return utc_instant(value)
    return parse(str(value))


def _cell_text(value: object) -> str | None:
    """An optional cell as :func:`optional_text` stores it: stripped, None if blank or absent."""
    # optional_text's own two steps on the cell's text: one call per cell of a bulk import.
    return None if value is None else (str(value).strip() or None)


def draft_from_row(row: Mapping[str, Any]) -> Draft:
    """A :class:`Draft` from a flat row (CSV, JSON lines): the import and API shape.

    Keys: ``call`` (or ``call_id``), ``name``, ``email``, ``group``, ``organisation``,
    ``country`` (the ``submitter_*`` names of an export work too), ``title``, ``body``,
    ``language``, ``tags`` (a list or comma-separated text), ``attachments`` (likewise),
    ``consent_publish_text``, ``consent_publish_name``, ``consent_publish_organisation``
    (yes/no), and the call's field values: ``fields`` (a table by key) or ``field.KEY``
    (an export's column), both as JSON values. Raises ``ValueError``/``KeyError`` naming
    the field when a row cannot be read.
    """
    from consultkit.formats.import_row import parse_flag

    values = _row_values(row, parse_flag)
    return Draft(
        call_id=values.call_id,
        submitter=Submitter(
            name=values.name,
            email=values.email,
            group=values.group,
            organisation=values.organisation,
            country=values.country,
        ),
        title=values.title,
        body=values.body,
        language=values.language,
        tags=values.tags,
        attachments=values.attachments,
        consent=_CONSENTS[values.consent],
        fields=values.fields,
    )


def _row_values(row: Mapping[str, Any], flag: Callable[[object], bool]) -> DraftFields:
    """What :func:`draft_from_row` reads from ``row``, flat.

    ``flag`` is ``parse_flag``, imported by the caller once (not once per row).
    """
    get = row.get  # once per row of a bulk import: every lookup counts (issue 14)
    call = get("call_id") or get("call")
    if not call:
        raise KeyError("call")
    tags, attachments = get("tags"), get("attachments")
    publish_text = get("consent_publish_text")
    publish_name = get("consent_publish_name")
    publish_organisation = get("consent_publish_organisation")
    return DraftFields(
        str(call),
        str(get("group") or ""),
        str(get("name") or get("submitter_name") or ""),
        str(get("email") or get("submitter_email") or ""),
        _cell_text(get("organisation")) or _cell_text(get("submitter_organisation")),
        _cell_text(get("country")) or _cell_text(get("submitter_country")),
        str(get("title") or ""),
        str(get("body") or ""),
        str(get("language") or "en"),
        # Absent cells are told apart here, not in a call per cell (``flag(None)`` is False).
        () if tags is None else _tags(tags),
        () if attachments is None else _tags(attachments),
        (False, False, False)
        if publish_text is None and publish_name is None and publish_organisation is None
        else (flag(publish_text), flag(publish_name), flag(publish_organisation)),
        _row_fields(row),
    )


# Consent is a frozen value with eight possible states: rows share them.
_CONSENTS = {
    (text, name, organisation): Consent(
        publish_text=text, publish_name=name, publish_organisation=organisation
    )
    for text in (False, True)
    for name in (False, True)
    for organisation in (False, True)
}


def _row_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    given = row.get("fields")
    if given is not None and not isinstance(given, dict):
        raise InvalidValueError(
            deferred.gettext(
                "fields must be a table of values by field key, not %(given)s", given=repr(given)
            )
        )
    values = dict(given or {})
    keys = tuple(row)
    columns = _FIELD_COLUMNS.get(keys)
    if columns is None:
        # Rows of one import share their keys: the ``field.KEY`` columns among them are
        # found once, not by testing every key of every row (issue 14).
        from consultkit.domain.fields import FIELD_COLUMN_PREFIX

        columns = tuple(
            (c, c.removeprefix(FIELD_COLUMN_PREFIX))
            for c in keys
            if isinstance(c, str) and c.startswith(FIELD_COLUMN_PREFIX)
        )
        if len(_FIELD_COLUMNS) >= _FIELD_COLUMNS_LIMIT:
            _FIELD_COLUMNS.clear()
        _FIELD_COLUMNS[keys] = columns
    for column, key in columns:
        value = row[column]
        if value is not None and value != "":
            values[key] = value
    return values


_FIELD_COLUMNS: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}
_FIELD_COLUMNS_LIMIT = 64


@attrs.define
@shared_value_methods(hashable=False)
class Consultkit:
    """One running consultkit: its plugins, its store and its clock, and the users' verbs.

    Build it with :meth:`open`; close it (or use it as a context manager) to release the
    store. Methods that change data run in one store transaction each. Built directly, it
    takes a ``store``, or a ``store_url`` opened on first use (the default URL if None).
    """

    host: PluginHost
    _store: Store | None = attrs.field(default=None, alias="store")
    clock: Clock = attrs.field(factory=SystemClock)
    store_url: str | None = None
    settings: NotifySettings | None = None
    """Deployment settings (channels, the link secret, the public URL); read from the
    environment and ``$CONSULTKIT_NOTIFY_SETTINGS`` on first use when None."""
    attachments_dir: Path | None = None
    """Where attached files are kept; None: ``$CONSULTKIT_ATTACHMENTS``, else beside a
    SQLite store's file (``NAME.sqlite.attachments``); other stores then take no files."""
    _rules: dict[str, SubmissionRules] = attrs.field(factory=dict, init=False, repr=False)

    @classmethod
    def open(
        cls,
        store_url: str | None = None,
        clock: Clock | None = None,
        strict_plugins: bool = False,
        *,
        plugins: Sequence[object] = (),
        entry_points: bool = True,
        host: PluginHost | None = None,
        defer_store: bool = False,
        attachments_dir: Path | None = None,
    ) -> Consultkit:
        """Load the plugins, open the store at ``store_url`` (default: ``$CONSULTKIT_STORE``
        or ``./consultkit.sqlite``) and use ``clock`` (default: the system clock).

        ``strict_plugins`` makes a plugin that fails to load an error instead of a warning.
        ``plugins`` registers extra plugin objects (tests, embedding programs); ``host``
        uses an existing plugin host instead of loading one (then ``strict_plugins``,
        ``plugins`` and ``entry_points`` are not used). ``defer_store`` opens the store
        only when a verb first needs it, so a program that only exports or lists plugins
        never creates a database.
        """
        if host is None:
            host = PluginHost.load(
                plugins=plugins,
                entry_points=entry_points,
                strict=strict_plugins or None,
            )
        app = cls(
            host=host,
            clock=clock or SystemClock(),
            store_url=store_url,
            attachments_dir=attachments_dir,
        )
        if not defer_store:
            app.connect()
        return app

    @property
    def store(self) -> Store:
        """The store; opened here on first use if the application was opened with
        ``defer_store`` (raises :class:`~consultkit.errors.StoreError` if it cannot be)."""
        if self._store is None:
            self._store = self.host.open_store(self.store_url or default_store_url())
        return self._store

    def connect(self) -> None:
        """Open the store now if it is not open yet, so a bad URL is reported before any work."""
        _ = self.store

    def close(self) -> None:
        """Close the store (if it was opened)."""
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Consultkit:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        """The clock's instant as a stdlib UTC datetime."""
        return utc_instant(self.clock.now())

    def deployment_settings(self) -> NotifySettings:
        """:attr:`settings`, read once from the environment when not given."""
        if self.settings is None:
            from consultkit.notify.settings import load_settings

            self.settings = load_settings()
        return self.settings

    def confirmation_signer(self) -> ConfirmationSigner:
        """The signer of e-mail confirmation links, from the settings' ``secret``.

        Raises :class:`~consultkit.errors.ConfigError` when no secret is configured: the
        consultation file is public, so the secret never comes from it.
        """
        from consultkit.app.confirmation import ConfirmationSigner

        settings = self.deployment_settings()
        if settings.secret is None:
            raise ConfigError(
                [
                    Problem(
                        path="secret",
                        message=deferred.gettext(
                            "a call asks for e-mail confirmation, so links must be signed:"
                            " set CONSULTKIT_SECRET (or `secret` in the settings file) to a"
                            " random text of at least 16 characters, the same for every"
                            " server process"
                        ),
                    )
                ]
            )
        return ConfirmationSigner(secret=settings.secret, validity=settings.confirm_validity)

    def confirmation_url(self, consultation: Consultation, token: str) -> str:
        """Where a confirmation ``token`` is followed: the web front door's confirm page
        (absolute when the settings give ``public_url``)."""
        base = self.deployment_settings().public_url or ""
        quoted = urllib.parse.quote(consultation.id, safe="")
        return f"{base}/{quoted}/confirm/{token}"

    def rules(self, consultation: Consultation) -> SubmissionRules:
        """The submitting rules of ``consultation``, resolved once per consultation value."""
        from consultkit.domain.submission_rules import SubmissionRules

        rules = self._rules.get(consultation.id)
        if rules is None or rules.consultation is not consultation:
            rules = SubmissionRules(consultation)
            self._rules[consultation.id] = rules
        return rules

    # -- submitting -----------------------------------------------------------------------

    def submit(
        self,
        consultation: Consultation,
        *,
        call_id: str,
        submitter: Submitter,
        title: str,
        body: str,
        language: str | None = None,
        tags: Sequence[str] = (),
        attachments: Sequence[str] = (),
        consent: Consent | None = None,
        idempotency_key: str | None = None,
        provenance: Provenance = Provenance.API,
        organiser: str | None = None,
        fields: Mapping[str, Any] | None = None,
        screening: Mapping[str, str] | None = None,
        uploads: Sequence[Upload] = (),
        field_files: Mapping[str, Upload] | None = None,
    ) -> Receipt:
        """Check, store and acknowledge one submission; returns the receipt.

        ``field_files`` are the files of the call's file fields, by key: each must be what
        its name's ending says (rule ``field``, naming the field; see
        ``consultkit.domain.field_files``), is kept like an upload and named among
        ``attachments``, and the field's value becomes ``{name, size, media_type,
        attachment}``. A file field's value given in ``fields`` instead is refused.

        ``uploads`` are files sent with it, for a call that declares ``attachments``: each
        one's type is read from its bytes (rule ``attachment``), it is kept privately under
        a random id (:attr:`attachment_files`) and named among ``attachments`` as
        ``upload:ID/NAME``; a refused or failed submission keeps none of them.

        ``fields`` holds the values of the call's declared fields by key (JSON data; see
        ``consultkit.domain.fields``); each is checked against its declaration (rule
        ``field``, the error's ``field`` naming the key).

        ``language`` defaults to the consultation's first language and ``provenance`` to
        ``api``, as ``consultkit submit`` does; a web front door passes ``Provenance.WEB``.

        The domain rules run at the clock's instant, then every plugin's
        ``validate_submission``; a refusal raises :class:`RuleRefusedError` (rule
        ``plugin`` for plugin reasons). The submission, its first history entry, the
        idempotency record and a ``submission.received`` outbox event are stored in one
        transaction; only then is ``submission_received`` called, and a failing plugin is
        logged, never undoing the submission. The same submitter sending the same
        ``idempotency_key`` again gets the original receipt (``replayed=True``); reusing a
        key for different content is refused (rule ``idempotency-key-reused``). A key is
        its submitter's: another address sending it makes a submission of its own, and
        after erasure the key is forgotten.
        ``organiser`` names who entered it when ``provenance`` is ``organiser``.

        ``screening`` is what the front end collected for the ``screen_submission`` hook (a
        CAPTCHA response, the client's address); a plugin's reason to hold the submission
        stores it with ``held`` set, never drops it. A call with ``confirm_email`` stores
        it ``email-unconfirmed`` and queues a signed confirmation link; a call's ``quota``
        refuses one too many (rule ``quota``, counted under the store's lock).
        """
        checked: list[CheckedUpload] = []
        values: dict[str, Any] = {}
        # Without attachments, files or fields the checks below have nothing to look at
        # (issue 14: their modules and calls were a few us of every plain submission).
        if attachments or uploads or field_files or fields:
            checked, values = self._checked_files(
                consultation, call_id, attachments, uploads, field_files or {}, fields or {}
            )
        draft = Draft(
            call_id=call_id,
            submitter=submitter,
            title=title,
            body=body,
            language=language or consultation.default_language,
            tags=tuple(tags),
            attachments=(*attachments, *(c.reference for c in checked)),
            consent=consent or _NO_CONSENT,
            fields=values,
        )
        files = self.attachment_files if checked else None
        written: list[str] = []
        try:
            for upload in checked:
                assert files is not None
                written.append(upload.id)
                files.write(upload.id, upload.content)
            receipt = self.submit_draft(
                consultation,
                draft,
                idempotency_key=idempotency_key,
                provenance=provenance,
                organiser=organiser,
                screening=screening,
            )
        except BaseException:
            self._remove_files(written)
            raise
        if receipt.replayed:
            self._remove_files(written)  # the original submission keeps its own files
        return receipt

    def _checked_files(
        self,
        consultation: Consultation,
        call_id: str,
        attachments: Sequence[str],
        uploads: Sequence[Upload],
        field_files: Mapping[str, Upload],
        fields: Mapping[str, Any],
    ) -> tuple[list[CheckedUpload], dict[str, Any]]:
        """:meth:`submit`'s uploads and field files checked, and the fields' values with
        each field file's value."""
        from consultkit.domain.attachments import check_uploads, parse_reference
        from consultkit.domain.field_files import check_field_files, field_value

        if any(parse_reference(a) is not None for a in attachments):
            # A stored file is named only by the upload that made it: a reference sent as
            # text could claim another submission's file (and publish it with this one).
            raise RuleRefusedError(
                "attachment",
                deferred.gettext(
                    "an attachment names a stored file (upload:…): send the file itself"
                ),
                field="attachments",
            )
        # An unknown call is the rules' refusal (rule unknown-call), later.
        call = next((c for c in consultation.calls if c.id == call_id), None)
        checked = [] if call is None else check_uploads(call.attachments, uploads, call_id=call_id)
        field_uploads = check_field_files(() if call is None else call.fields, field_files, fields)
        values = dict(fields)
        values.update({key: field_value(c) for key, c in field_uploads.items()})
        checked += field_uploads.values()
        return checked, values

    @property
    def attachment_files(self) -> AttachmentFiles:
        """The attached files' storage (raises :class:`StoreError` when it has no place)."""
        from consultkit.storage.attachment_files import AttachmentFiles
        from consultkit.storage.sqlite import path_from_url

        root = self.attachments_dir
        if root is None and (configured := os.environ.get(ATTACHMENTS_ENV, "").strip()):
            root = Path(configured)
        if root is None:
            url = self.store_url or default_store_url()
            if not url.startswith("sqlite:///"):
                raise StoreError(
                    f"this store keeps no files: set ${ATTACHMENTS_ENV} (or the application's"
                    " attachments_dir) to a private directory every server process shares"
                )
            db = path_from_url(url)
            root = db.with_name(db.name + ".attachments")
        return AttachmentFiles(root)

    def _remove_files(self, file_ids: Iterable[str]) -> None:
        for file_id in file_ids:
            self.attachment_files.remove(file_id)

    def attachment(
        self, consultation: Consultation, reference: str, file_id: str, *, organiser: bool
    ) -> StoredAttachment:
        """One file attached to the submission ``reference`` (tracking number or id).

        An ``organiser`` gets any; anyone else only a file of a public submission whose
        submitter agreed to publish its text. Raises :class:`UnknownItemError` otherwise,
        the same answer as for a file that does not exist.
        """
        from consultkit.domain.attachments import StoredAttachment, parse_reference, sniff
        from consultkit.formats.submission_export import is_public

        missing = UnknownItemError(
            deferred.gettext(
                "no attachment %(file)r on submission %(reference)r",
                file=file_id,
                reference=reference,
            )
        )
        try:
            submission = self.find(consultation, reference)
        except UnknownItemError:
            raise missing from None
        if not organiser and not (
            is_public(submission) and submission.consent.publish_text and not submission.held
        ):
            raise missing
        if not organiser and file_id in _private_field_files(consultation, submission):
            raise missing
        for stored in submission.attachments:
            parsed = parse_reference(stored)
            if parsed is not None and parsed[0] == file_id:
                content = self.attachment_files.read(file_id)
                if content is None:
                    break
                return StoredAttachment(
                    name=parsed[1], media_type=sniff(content) or "", content=content
                )
        raise missing

    def submit_draft(
        self,
        consultation: Consultation,
        draft: Draft,
        *,
        idempotency_key: str | None = None,
        provenance: Provenance = Provenance.API,
        organiser: str | None = None,
        screening: Mapping[str, str] | None = None,
    ) -> Receipt:
        """:meth:`submit` for a ready :class:`Draft`."""
        from consultkit.app.outbox import to_outbox
        from consultkit.domain.quotas import quota_limits, quota_message
        from consultkit.domain.submission_rules import new_submission
        from consultkit.events import SubmissionConfirmationRequested, SubmissionReceived

        now = self.now()
        key = idempotency_key or None
        # A retry is answered, never refused: one sent after the deadline, or after the
        # rules changed, still gets the receipt it is owed. Plugins never see a retry
        # (their checks may cost, or count it), so with plugins that check submissions
        # the key is looked up first. Otherwise nothing is read before the write
        # transaction (issue 14: a look-up on a reader, whose page cache every commit
        # empties, cost each submission about 50 us): a refusal looks the key up, and the
        # insert's conflict clause replays a retry that passes.
        early = key is not None and (self.host.has_validators() or self.host.has_screeners())
        if early:
            assert key is not None
            replay = self._stored_replay(consultation, draft, now, key)
            if replay is not None:
                return replay
        try:
            checked = self.rules(consultation).check(draft, now)
            # Organisers vouch for what they enter; people sending it themselves confirm.
            confirm = provenance in (Provenance.WEB, Provenance.API) and (
                consultation.call(checked.draft.call_id).confirm_email
            )
            signer = self.confirmation_signer() if confirm else None
        except (RuleRefusedError, ConfigError):
            if key is not None and not early:
                replay = self._stored_replay(consultation, draft, now, key)
                if replay is not None:
                    return replay
            raise
        limits = quota_limits(
            consultation.call(checked.draft.call_id).quota, checked.draft.submitter
        )
        submission = new_submission(
            checked.draft,
            consultation_id=consultation.id,
            at=now,
            provenance=provenance,
            idempotency_key=key,
            verification=Verification.EMAIL_UNCONFIRMED if confirm else Verification.NONE,
        )
        refusals = self.host.refusals(consultation, submission)
        if refusals:
            raise PluginRefusedError(joined(r.text for r in refusals), [r.plugin for r in refusals])
        holds = self.host.screen_submission(consultation, submission, screening or {})
        if holds:
            submission = attrs.evolve(submission, held="; ".join(str(h) for h in holds))

        if provenance is Provenance.ORGANISER:
            actor = Actor(role=ActorRole.ORGANISER, id=organiser or "organiser")
        elif provenance is Provenance.BULK_IMPORT:
            actor = Actor(role=ActorRole.SYSTEM, id="bulk-import")
        else:
            actor = Actor(role=ActorRole.SUBMITTER, id=draft.submitter.email)
        entry = HistoryEntry(
            submission_id=submission.id,
            at=now,
            actor=actor,
            from_status=None,
            to_status=submission.status,
        )
        events = [to_outbox(SubmissionReceived(consultation=consultation, submission=submission))]
        if signer is not None:
            token = signer.token(submission.id, now)
            events.append(
                to_outbox(
                    SubmissionConfirmationRequested(
                        consultation=consultation,
                        submission=submission,
                        confirm_url=self.confirmation_url(consultation, token),
                        expires_at=signer.expires_at(now),
                    )
                )
            )
        try:
            receipt, created = self.store.add_submission(submission, entry, events, limits=limits)
        except QuotaReachedError as exc:
            raise RuleRefusedError(
                "quota", quota_message(exc.limit), field=exc.limit.kind
            ) from None
        if not created:
            self._check_replay(receipt, submission)
            return receipt
        self._after_commit("submission_received", consultation, submission, receipt)
        return receipt

    def _stored_replay(
        self, consultation: Consultation, draft: Draft, now: dt.datetime, key: str
    ) -> Receipt | None:
        """The receipt stored under ``draft``'s submitter's ``key``, if any, checked to be
        for the same content (rule ``idempotency-key-reused`` otherwise)."""
        from consultkit.domain.submission_rules import new_submission

        replay = self.store.find_by_idempotency_key(consultation.id, key, draft.submitter.email)
        if replay is not None:
            attempted = new_submission(
                draft, consultation_id=consultation.id, at=now, idempotency_key=key
            )
            self._check_replay(replay, attempted)
        return replay

    def _check_replay(self, receipt: Receipt, attempted: Submission) -> None:
        from consultkit.domain.field_files import without_file_ids

        original = self.store.get_submission(receipt.submission_id)
        if original is None:
            return  # erased meanwhile: the receipt is all there is to return
        if original.erased_at is None and (
            original.call_id != attempted.call_id
            or original.fingerprint != attempted.fingerprint
            or original.title != attempted.title
            or without_file_ids(original.fields) != without_file_ids(attempted.fields)
        ):
            # IETF draft-ietf-httpapi-idempotency-key-header §2.7: a key reused for a
            # different request is an error, never a silent replay of something else.
            raise RuleRefusedError(
                "idempotency-key-reused",
                # The original's tracking number is a bearer reference of someone who may
                # be another person: it is not named here.
                deferred.gettext(
                    "idempotency key %(key)r was already used for a different submission:"
                    " use a new key for a new submission",
                    key=attempted.idempotency_key,
                ),
            )

    def _after_commit(self, hook: str, *args: Any) -> None:
        # The transaction has committed: nothing a plugin does may lose it. The facade
        # already catches and logs plugin failures; this guards against the facade itself.
        try:
            getattr(self.host, hook)(*args)
        except Exception:
            # logging is imported only here, where it is used (issue 14: 7 ms of every verb)
            import logging

            logging.getLogger(__name__).exception(
                "%s hook failed after commit; the stored data is kept", hook
            )

    # -- reading -------------------------------------------------------------------------

    def find(self, consultation: Consultation, reference: str) -> Submission:
        """The submission of ``consultation`` with this tracking number or id.

        Raises :class:`UnknownItemError` when there is none (a submission of another
        consultation counts as none).
        """
        text = reference.strip()
        tracking = normalize_tracking_number(text)
        found = self.store.find_by_tracking_number(tracking) if tracking else None
        if found is None:
            found = self.store.get_submission(text)
        if found is None or found.consultation_id != consultation.id:
            raise UnknownItemError(
                deferred.gettext(
                    "no submission %(reference)r in consultation %(consultation)r: give the"
                    " tracking number from the receipt (CK-XXXX-XXXX-XXXX-XXXX) or the id",
                    reference=reference,
                    consultation=consultation.id,
                )
            )
        return found

    def show(self, consultation: Consultation, reference: str) -> SubmissionRecord:
        """A submission and its whole history (the organiser's view)."""
        submission = self.find(consultation, reference)
        return SubmissionRecord(
            submission=submission,
            history=tuple(self.store.history(submission.id)),
            versions=tuple(self.store.versions(submission.id)),
        )

    def edit(
        self,
        consultation: Consultation,
        reference: str,
        *,
        email: str,
        title: str | None = None,
        body: str | None = None,
        language: str | None = None,
        tags: Sequence[str] | None = None,
        attachments: Sequence[str] | None = None,
        consent: Consent | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Receipt:
        """Edit a submission on its submitter's behalf until the call's deadline.

        ``reference`` is the tracking number (or id) and ``email`` the address it was sent
        from. What is given replaces the stored value (``fields`` replaces all field
        values); what is not given is kept. The call must say ``editable = true`` and the
        submission must still be ``submitted``; the new content passes every submitting
        rule at the clock's instant, so an edit at or after the deadline is refused (rule
        ``call-closed``), then every plugin's ``validate_submission``. The replaced content
        is kept as an earlier version, and a ``submission.edited`` event (the updated
        receipt, to the submitter) is stored in the same transaction. Returns the receipt,
        whose ``version`` is the new version's number. See
        :func:`~consultkit.domain.submission_rules.check_edit` for the rules.
        """
        from consultkit.app.outbox import to_outbox
        from consultkit.domain.submission_rules import check_edit, receipt_for
        from consultkit.events import SubmissionEdited

        now = self.now()
        previous = self.find(consultation, reference)
        if previous.submitter is None:
            raise PermissionDeniedError(
                "edit-own",
                deferred.gettext(
                    "submission %(number)s was erased: it cannot change",
                    number=previous.tracking_number,
                ),
            )
        draft = Draft(
            call_id=previous.call_id,
            submitter=previous.submitter,
            title=previous.title if title is None else title,
            body=(previous.body or "") if body is None else body,
            language=previous.language if language is None else language,
            tags=previous.tags if tags is None else tuple(tags),
            attachments=_kept_files(previous, attachments),
            consent=previous.consent if consent is None else consent,
            fields=_kept_field_files(consultation, previous, fields),
        )
        updated = check_edit(self.rules(consultation), previous, draft, email=email, at=now)
        refusals = self.host.refusals(consultation, updated)
        if refusals:
            raise PluginRefusedError(joined(r.text for r in refusals), [r.plugin for r in refusals])
        version = len(self.store.versions(previous.id)) + 2
        event = to_outbox(
            SubmissionEdited(consultation=consultation, submission=updated, version=version)
        )
        version = self.store.edit_submission(previous, updated, [event])
        return attrs.evolve(receipt_for(updated), version=version)

    def list_submissions(
        self,
        consultation: Consultation,
        *,
        call_id: str | None = None,
        status: SubmissionStatus | None = None,
        group: str | None = None,
        tag: str | None = None,
        provenance: Provenance | None = None,
        held: bool | None = None,
    ) -> Iterator[Submission]:
        """A consultation's submissions (received order), filtered as asked (``held``: only
        those held for review, or only those not held)."""
        for submission in self.store.list_submissions(
            consultation.id, call_id=call_id, status=status
        ):
            if group is not None and (
                submission.submitter is None or submission.submitter.group != group
            ):
                continue
            if tag is not None and tag not in submission.tags:
                continue
            if provenance is not None and submission.provenance is not provenance:
                continue
            if held is not None and (submission.held is not None) is not held:
                continue
            yield submission

    def export_submissions(
        self,
        consultation: Consultation,
        out: IO[str],
        *,
        format: ExportFormat = "csv",
        public: bool = False,
    ) -> int:
        """Write the consultation's submissions to ``out`` as ``submissions export`` does
        (the full view, or with ``public`` the consented view of accepted ones), with a
        ``field.KEY`` column per declared field; returns the row count."""
        from consultkit.formats.submission_export import declared_fields, export_records

        # Only accepted submissions are public (PUBLIC_STATUSES; a test keeps the two equal):
        # the store reads those alone, flat, with no submission object built (issue 14).
        return export_records(
            out,
            self.store.submission_records(
                consultation.id, status=SubmissionStatus.ACCEPTED if public else None
            ),
            format=format,
            public=public,
            fields=declared_fields(consultation),
        )

    def public_submissions(
        self, consultation: Consultation, *, cursor: str | None = None, limit: int = 50
    ) -> Page:
        """One page of the public view, as ``submissions export --public`` writes it (the
        same rows: consent applied, accepted submissions only), and the next page's cursor.

        Paged by cursor (:mod:`consultkit.app.paging`): stable while submissions arrive,
        with no limit on the number of pages. Raises :class:`RuleRefusedError` for a
        damaged cursor (rule ``cursor``) or a page size outside 1 to 500 (rule ``limit``).
        """
        from consultkit.app.paging import Page, decode_cursor, encode_cursor, page_size
        from consultkit.formats.submission_export import declared_fields, rows

        after = decode_cursor(cursor) if cursor else None
        size = page_size(limit)
        # Only accepted submissions are public (PUBLIC_STATUSES; a test keeps the two
        # equal), so the store pages through those alone and every page is full but the last.
        found = list(
            self.store.list_submissions(
                consultation.id, status=SubmissionStatus.ACCEPTED, after=after, limit=size + 1
            )
        )
        shown = found[:size]
        page_rows = rows(shown, public=True, fields=declared_fields(consultation))
        last = shown[-1] if len(found) > size else None
        return Page(
            rows=tuple(page_rows),
            next_cursor=None if last is None else encode_cursor(last.received_at, last.id),
        )

    def duplicates(
        self,
        consultation: Consultation,
        *,
        similarity: float = NEAR_DUPLICATE_SIMILARITY,
        exact_only: bool = False,
    ) -> list[DuplicateGroup]:
        """Campaign groups among the consultation's submissions: counted, never removed.

        Exact groups come from the store's fingerprint counts (the bodies are not read);
        near groups stream each distinct text once, most copied first (issue 14).
        """
        store, key = self.store, consultation.id
        if exact_only or similarity >= 1.0:
            texts: Iterable[tuple[str, int, str]] = (
                (fp, n, "") for fp, n, _ in store.campaign_counts(key)
            )
        else:
            texts = store.campaign_texts(key)
        return campaign_groups(
            texts,
            store.submission_fingerprints(key),
            similarity=similarity,
            exact_only=exact_only,
        )

    def report(self, consultation: Consultation, *, language: str | None = None) -> dict[str, Any]:
        """The compilation report's document (:func:`~consultkit.formats.report.build_report`).

        Every submission of the consultation is counted, campaigns come from
        :meth:`duplicates` (exact and near copies), and each plugin's
        ``analyse_submissions`` section is added; a plugin that fails is named in the
        document's ``warnings`` and the report is built without it.
        """
        lang = language or consultation.default_language
        _check_language(consultation, lang)
        submissions = list(self.store.list_submissions(consultation.id))
        campaigns = self.duplicates(consultation)
        analyses, warnings = self.host.analyses(consultation, tuple(submissions), lang)
        from consultkit.formats.report import build_report

        return build_report(
            consultation,
            submissions,
            campaigns=campaigns,
            analyses=analyses,
            warnings=warnings,
            language=lang,
        )

    def data_package(
        self, consultation: Consultation, *, language: str | None = None
    ) -> dict[str, bytes]:
        """The open-data package of the public submissions, file name to bytes
        (:func:`~consultkit.formats.data_package.data_package`)."""
        from consultkit.formats.data_package import data_package

        lang = language or consultation.default_language
        _check_language(consultation, lang)
        return data_package(
            consultation, self.store.list_submissions(consultation.id), language=lang
        )

    def statistics(self, consultation: Consultation, *, language: str | None = None) -> Stats:
        """Submissions counted by call, group, language and status, with campaign counts.

        ``language`` picks the names of calls, groups and languages (default: the
        consultation's first).
        """
        from consultkit.formats.stats import compute_stats

        return compute_stats(
            consultation,
            self.store.count_submissions(consultation.id),
            self.store.campaign_counts(consultation.id),
            language=language,
        )

    # -- verifying -----------------------------------------------------------------------

    def confirm_email(self, consultation: Consultation, token: str) -> Submission:
        """Record that a submitter followed their confirmation link; returns the submission.

        Following it again changes nothing. Raises
        :class:`~consultkit.errors.ConfirmationLinkError` for a forged or damaged link, one
        of another consultation or of an erased submitter (rule ``confirmation-link``) and
        for an expired one (rule ``confirmation-expired``); the submission stays stored,
        unconfirmed, either way.
        """
        submission_id = self.confirmation_signer().read(token, self.now())
        submission = self.store.get_submission(submission_id)
        if (
            submission is None
            or submission.consultation_id != consultation.id
            or submission.submitter is None
        ):
            raise ConfirmationLinkError(
                "confirmation-link",
                deferred.gettext(
                    "this confirmation link names no submission of %(consultation)r that can"
                    " still be confirmed",
                    consultation=consultation.id,
                ),
            )
        if submission.verification is Verification.EMAIL_CONFIRMED:
            return submission
        return self.store.set_verification(submission.id, Verification.EMAIL_CONFIRMED, self.now())

    # -- organisers' API tokens ---------------------------------------------------------

    def create_token(self, consultation: Consultation, name: str) -> tuple[ApiToken, str]:
        """Make a bearer token for ``consultation``'s organiser API; returns it and its
        secret, which is shown this once and stored only as a hash.

        Raises :class:`RuleRefusedError` (rule ``token-name``) for a bad or taken name.
        """
        from consultkit.app.tokens import check_token_name, new_token_secret, token_hash

        name = check_token_name(name.strip())
        secret = new_token_secret()
        token = ApiToken(
            name=name,
            consultation_id=consultation.id,
            token_hash=token_hash(secret),
            created_at=self.now(),
        )
        if not self.store.add_token(token):
            raise RuleRefusedError(
                "token-name",
                deferred.gettext(
                    "consultation %(consultation)r has a token named %(name)r already"
                    " (revoked tokens keep their name): choose another name",
                    consultation=consultation.id,
                    name=name,
                ),
            )
        return token, secret

    def tokens(self, consultation: Consultation) -> list[ApiToken]:
        """``consultation``'s tokens, oldest first, revoked ones included (no secrets)."""
        return self.store.list_tokens(consultation.id)

    def revoke_token(self, consultation: Consultation, name: str) -> None:
        """Revoke the token ``name`` now; :class:`UnknownItemError` if there is no such
        token that still works."""
        if not self.store.revoke_token(consultation.id, name.strip(), self.now()):
            raise UnknownItemError(
                deferred.gettext(
                    "consultation %(consultation)r has no working token named %(name)r:"
                    " `consultkit tokens list` shows them",
                    consultation=consultation.id,
                    name=name,
                )
            )

    def organiser_token(self, consultation: Consultation, secret: str) -> ApiToken:
        """The working token ``secret`` is, for ``consultation``.

        Raises :class:`~consultkit.app.tokens.TokenRefusedError` for an unknown or revoked
        one, and :class:`~consultkit.errors.PermissionDeniedError` (rule ``token-scope``)
        for a token of another consultation.
        """
        from consultkit.app.tokens import TokenRefusedError, token_hash

        token = self.store.find_token(token_hash(secret)) if secret.strip() else None
        if token is None or token.revoked_at is not None:
            raise TokenRefusedError(deferred.gettext("the bearer token is unknown or revoked"))
        if token.consultation_id != consultation.id:
            raise PermissionDeniedError(
                "token-scope",
                deferred.gettext(
                    "this token is for consultation %(theirs)r, not %(consultation)r",
                    theirs=token.consultation_id,
                    consultation=consultation.id,
                ),
            )
        return token

    # -- changing status ---------------------------------------------------------------

    def withdraw(
        self, consultation: Consultation, reference: str, *, email: str, reason: str | None = None
    ) -> Submission:
        """Withdraw a submission on its submitter's behalf (``email`` must be theirs)."""
        actor = Actor(role=ActorRole.SUBMITTER, id=email)
        return self._transition(consultation, reference, SubmissionStatus.WITHDRAWN, actor, reason)

    def review(
        self,
        consultation: Consultation,
        reference: str,
        *,
        decision: SubmissionStatus,
        organiser: str,
        reason: str | None = None,
    ) -> Submission:
        """Record an organiser's decision: under review, accepted or rejected."""
        if decision not in DECISIONS:
            raise RuleRefusedError(
                "decision",
                deferred.gettext(
                    "%(decision)s is not a review decision: use %(decisions)s",
                    decision=str(decision),
                    decisions=", ".join(str(d) for d in DECISIONS),
                ),
            )
        return self._transition(
            consultation, reference, decision, self._organiser(organiser), reason
        )

    # -- review and selection -------------------------------------------------------------

    def assign_reviewers(
        self,
        consultation: Consultation,
        round_ref: str,
        pool: ReviewerPool,
        *,
        organiser: str,
        seed: int = 0,
    ) -> AssignmentResult:
        """Assign reviewers of ``pool`` to the submissions of a review round (``CALL/ROUND``).

        The first plugin answering ``assign_reviewers`` gives the assignment (the built-in
        seeded solver by default); it is checked against the round's rules (balance,
        conflicts, diversity) before anything is stored, and refused with
        :class:`~consultkit.domain.review.assignment.AssignmentRefusedError` naming the
        submission and the rule when it cannot be met. Submissions still ``submitted`` move
        to ``under-review`` (the lifecycle's rules and notifications apply). A round is
        assigned once.
        """
        actor = self._organiser(organiser)
        from consultkit.app import review as review_verbs

        result, to_move = review_verbs.assign(
            self.store, self.host, consultation, round_ref, pool, seed=seed, now=self.now()
        )
        for submission in to_move:
            self._transition(
                consultation, submission.id, SubmissionStatus.UNDER_REVIEW, actor, None
            )
        return result

    def score(
        self,
        consultation: Consultation,
        round_ref: str,
        reference: str,
        *,
        reviewer: str,
        scores: Mapping[str, int] | None = None,
        passed: bool | None = None,
        abstain: bool = False,
        confidence: int | None = None,
        comment: str | None = None,
    ) -> Review:
        """Record ``reviewer``'s review of an assigned submission in a round.

        A screening takes ``passed``; a scoring round a score per criterion of its rubric.
        ``abstain`` instead of either; ``confidence`` 1 (unsure) to 5 (sure). Scoring again
        replaces the reviewer's earlier review, until the round's window closes.
        """
        submission = self.find(consultation, reference)
        from consultkit.app import review as review_verbs

        return review_verbs.score(
            self.store,
            consultation,
            round_ref,
            submission,
            reviewer=reviewer,
            scores=dict(scores or {}),
            passed=passed,
            abstain=abstain,
            confidence=confidence,
            comment=comment,
            now=self.now(),
        )

    def review_status(
        self, consultation: Consultation, round_ref: str, *, reviewer: str | None = None
    ) -> RoundStatus:
        """A round's progress; with ``reviewer``, their submissions (blind rounds hide who
        sent them)."""
        from consultkit.app import review as review_verbs

        return review_verbs.status(self.store, consultation, round_ref, reviewer=reviewer)

    def rank(self, consultation: Consultation, round_ref: str) -> Ranking:
        """A scoring round's ranking, best first, each row with its explanation."""
        from consultkit.app import review as review_verbs

        return review_verbs.ranking(self.store, self.host, consultation, round_ref)

    def decide(
        self,
        consultation: Consultation,
        round_ref: str,
        *,
        organiser: str,
        reason: str,
        top: int | None = None,
        cutoff: float | None = None,
    ) -> DecisionReport:
        """Accept the ``top`` ranked submissions of a scoring round (or those scoring
        ``cutoff`` or more) and reject the others, with the rejections' ``reason``.

        Each change goes through the lifecycle (rules, history, the submitter told in
        their language). Running it again tells nobody twice: what already has the planned
        status is left alone, and what was decided the other way is only reported.
        """
        actor = self._organiser(organiser)
        ranked = self.rank(consultation, round_ref)
        from consultkit.app import review as review_verbs

        plan = review_verbs.plan_decisions(self.store, consultation, ranked, top=top, cutoff=cutoff)
        if plan.reject and not reason.strip():
            raise RuleRefusedError(
                "reason-required",
                deferred.gettext("rejections need a reason (it is sent to the submitters)"),
            )

        def move(submission: Submission, to: SubmissionStatus) -> None:
            why = reason if to is SubmissionStatus.REJECTED else None
            self._transition(consultation, submission.id, to, actor, why)

        from consultkit.app import review as review_verbs

        return review_verbs.apply_decisions(plan, move)

    def review_outcomes(
        self, consultation: Consultation, *, call_id: str | None = None
    ) -> list[ReviewOutcome]:
        """Each reviewed submission's screening verdicts, rank, score and status, for
        reports (``call_id`` limits it to one call)."""
        from consultkit.app import review as review_verbs

        return review_verbs.outcomes(self.store, self.host, consultation, call_id)

    @staticmethod
    def _organiser(organiser: str) -> Actor:
        if not organiser.strip():
            raise RuleRefusedError(
                "who-may", deferred.gettext("a review decision needs the organiser's name")
            )
        return Actor(role=ActorRole.ORGANISER, id=organiser.strip())

    def _transition(
        self,
        consultation: Consultation,
        reference: str,
        to_status: SubmissionStatus,
        actor: Actor,
        reason: str | None,
    ) -> Submission:
        from consultkit.app.outbox import to_outbox
        from consultkit.domain.lifecycle import plan_transition
        from consultkit.events import SubmissionStatusChanged

        submission = self.find(consultation, reference)
        for attempt in range(_CAS_ATTEMPTS):
            now = self.now()
            entry = plan_transition(submission, to_status, actor, now, reason)
            events = [
                to_outbox(
                    SubmissionStatusChanged(
                        consultation=consultation, submission=submission, entry=entry
                    )
                )
            ]
            try:
                changed = self.store.change_status(submission.id, submission.status, entry, events)
            except StoreConflictError:
                # Someone changed it meanwhile: decide again on the fresh value, so the
                # rules (not the race) say whether this move is still allowed.
                fresh = self.store.get_submission(submission.id)
                if fresh is None or attempt == _CAS_ATTEMPTS - 1:
                    raise
                submission = fresh
                continue
            self._after_commit("submission_status_changed", consultation, changed, entry)
            return changed
        raise AssertionError("unreachable")  # pragma: no cover

    # -- privacy -------------------------------------------------------------------------

    def erase_submitter(
        self,
        consultation: Consultation,
        email: str,
        *,
        keep_text: bool = False,
        reason: str = "erasure requested by the submitter",
    ) -> int:
        """Erase everything that identifies ``email`` in ``consultation``; returns how many
        submissions were affected.

        Names, addresses and organisations leave submissions, history, outbox payloads
        and deliveries; the text goes too unless ``keep_text``. A tombstone without the
        identity records when and why. Fingerprints stay, so campaign counts stay honest.
        """
        from consultkit.domain.attachments import parse_reference

        if not email.strip():
            raise RuleRefusedError(
                "submitter", deferred.gettext("give the e-mail address to erase")
            )
        address = email.strip().lower()
        files = [
            parsed[0]
            for s in self.store.list_submissions(consultation.id)
            if s.submitter is not None and s.submitter.email.strip().lower() == address
            for parsed in map(parse_reference, s.attachments)
            if parsed is not None
        ]
        erased = self.store.erase_submitter(
            consultation.id, email.strip(), keep_text=keep_text, reason=reason, at=self.now()
        )
        # Files go even when the text is kept: a photo shows its submitter as a name does.
        self._remove_files(files)
        return erased

    # -- bulk ------------------------------------------------------------------------------

    def import_submissions(
        self,
        consultation: Consultation,
        rows: Iterable[ImportRow | Mapping[str, Any] | Draft],
        *,
        chunk_size: int = IMPORT_CHUNK_SIZE,
        provenance: Provenance = Provenance.BULK_IMPORT,
    ) -> ImportReport:
        """Check and store many submissions, committing every ``chunk_size`` rows.

        Each row is an :class:`~consultkit.formats.import_row.ImportRow` (what
        reading a CSV or JSON Lines file gives), a :class:`Draft`, or a flat mapping read
        by :func:`draft_from_row`, optionally with ``received_at`` (ISO 8601 with offset:
        the rules are checked at that instant, so paper submissions received on time stay
        on time; default: now),
        ``idempotency_key`` and ``tracking_number`` (kept, e.g. when moving stores).
        Refused rows are reported, not stored. A row without a key gets one derived from
        its position and content, so running the same import again resumes instead of
        doubling. Plugins validate each row; ``submission_received`` is not called and no
        receipt e-mails are queued for bulk rows (a million receipts is never wanted).
        """
        reader = _reader()
        rules = self.rules(consultation)
        validate = self.host.refusals
        # The validators take a Submission: it is built for them only when there are
        # some; otherwise each row goes from its fields to its record (issue 14).
        validating = self.host.has_validators()
        now = self.now()
        refused: list[ImportProblem] = []
        counts = {"rows": 0}
        tracking_seen: set[str] = set()

        def records() -> Iterator[FlatSubmission]:
            for number, row in enumerate(rows, start=1):
                counts["rows"] = number
                try:
                    record = self._import_record(
                        consultation,
                        rules,
                        number,
                        row,
                        now,
                        provenance,
                        tracking_seen,
                        reader,
                    )
                except RuleRefusedError as exc:
                    refused.append(ImportProblem(row=number, rule=exc.rule, message=_why(exc)))
                    continue
                except (KeyError, ValueError, TypeError) as exc:
                    refused.append(ImportProblem(row=number, rule="row", message=_why(exc)))
                    continue
                if validating:
                    refusals = validate(consultation, submission_from_record(record))
                    if refusals:
                        message = "; ".join(str(r) for r in refusals)
                        refused.append(ImportProblem(row=number, rule="plugin", message=message))
                        continue
                yield record

        store = self.store
        if isinstance(store, SubmissionRecordLoader):
            stored = store.add_submission_records(records(), chunk_size=chunk_size)
        else:  # a store without the optional bulk load of records
            stored = store.add_submissions(
                map(submission_from_record, records()), chunk_size=chunk_size
            )
        total = counts["rows"]
        return ImportReport(
            rows=total,
            stored=stored,
            skipped=total - stored - len(refused),
            refused=tuple(refused),
        )

    def _import_record(
        self,
        consultation: Consultation,
        rules: SubmissionRules,
        number: int,
        row: ImportRow | Mapping[str, Any] | Draft,
        now: dt.datetime,
        provenance: Provenance,
        tracking_seen: set[str],
        reader: _Reader,
    ) -> FlatSubmission:
        """The record to store for one imported row, or the rule refusing it.

        Exactly what :func:`new_submission` would give for the row's checked draft, flat:
        the rules run on the row's fields and no Draft or Submission is built (issue 14).
        """
        mapping: Mapping[str, Any] | None = None
        if type(row) is dict:
            # The common row, told apart first (an exact type test, once per row).
            mapping = row
        elif isinstance(row, Draft):
            values, at, key, tracking = draft_fields(row), now, None, None
        elif isinstance(row, reader.import_row):
            # Read once by the file reader: its draft, instant and key are used as is.
            values, at = draft_fields(row.draft), row.received_at or now
            key, tracking = row.import_key(), row.tracking_number
        else:
            mapping = cast("Mapping[str, Any]", row)  # neither a Draft nor an ImportRow
        if mapping is not None:
            values = _row_values(mapping, reader.flag)
            get = mapping.get
            received, key, tracking = (
                get("received_at"),
                get("idempotency_key"),
                get("tracking_number"),
            )
            if not received:
                at = now
            elif type(received) is str:  # a file's or a JSON cell: parsed as it is
                at = reader.instant(received)
            else:
                at = _instant(received, reader.instant)
            if key is not None or tracking is not None:  # most rows bring neither
                key, tracking = _cell_text(key), _cell_text(tracking)
        tags = rules.check_values(values, at)
        if key is None:
            key = reader.derived_key(
                number, values.call_id, values.email, values.title, values.body
            )
        elif "\x00" in key:
            # Like the rules' `text` check: PostgreSQL would refuse the whole chunk.
            raise RuleRefusedError(
                "text",
                deferred.gettext(
                    "the idempotency key contains a NUL character (U+0000): remove it"
                ),
            )
        if tracking is not None:
            canonical = normalize_tracking_number(tracking)
            if canonical is None:
                raise InvalidValueError(
                    deferred.gettext(
                        "tracking_number %(number)s is not a consultkit tracking number",
                        number=repr(tracking),
                    )
                )
            weakness = weak_tracking_number(canonical)
            if weakness is not None:
                raise RuleRefusedError(
                    "tracking-number",
                    deferred.gettext(
                        "tracking_number %(number)s cannot be random (%(weakness)s): leave the"
                        " column empty and a new one is given",
                        number=repr(tracking),
                        weakness=weakness,
                    ),
                )
            tracking = canonical
            # Only rows that bring a number are looked up: new numbers are random, and a
            # query per row would slow a million-row import.
            self._check_tracking_free(consultation.id, key, tracking, tracking_seen)
        return reader.record(consultation.id, values, tags, at, provenance, key, tracking)

    def _check_tracking_free(
        self, consultation_id: str, key: str, tracking: str, seen: set[str]
    ) -> None:
        """Refuse an imported row whose tracking number belongs to another submission.

        The store skips a row that clashes with a stored one as "already present"; that is
        right only for the same row imported again (same consultation and key). Any other
        clash, in the store or earlier in this import, is a different submission.
        """
        other = self.store.find_by_tracking_number(tracking)
        same_row = (
            other is not None
            and other.consultation_id == consultation_id
            and other.idempotency_key == key
        )
        if (other is not None and not same_row) or (other is None and tracking in seen):
            raise RuleRefusedError(
                "tracking-number",
                deferred.gettext(
                    "tracking number %(number)s already belongs to another submission: leave"
                    " the column empty and a new one is given",
                    number=tracking,
                ),
            )
        seen.add(tracking)

    # -- the schedule: export, preview, publish, history ------------------------------------

    def export_formats(
        self, formats: Sequence[str] = (), *, consultation: Consultation | None = None
    ) -> list[str]:
        """The export formats asked for, checked (every registered one when none are).

        With ``consultation``, the formats of plugins it turns off
        (``[plugins.NAME] enabled = false``) are left out, and asking for one is an error.
        Raises :class:`~consultkit.formats.exporter.UnknownFormatError` naming the known
        formats (or :class:`~consultkit.errors.PluginError` when two plugins clash).
        """
        from consultkit.formats.exporter import find_exporter

        chosen = list(formats) or sorted(self.host.exporters(consultation))
        for fmt in chosen:
            find_exporter(self.host, fmt, consultation)
        return chosen

    def exporter(self, fmt: str, consultation: Consultation | None = None) -> Exporter:
        """The exporter registered as ``fmt`` (``UnknownFormatError`` if none is, or if
        ``consultation`` turns its plugin off)."""
        from consultkit.formats.exporter import find_exporter

        return find_exporter(self.host, fmt, consultation)

    def export_calendar(
        self,
        consultation: Consultation,
        fmt: str = "ics",
        options: ExportOptions | None = None,
        *,
        revision: ScheduleRevision | SchedulePreview | Mapping[str, Any] | None = None,
    ) -> bytes:
        """The schedule of ``consultation`` as ``fmt``, through the plugins' exporters.

        ``revision`` gives the items their published SEQUENCE and LAST-MODIFIED: a stored
        revision, a :meth:`preview` (what the next publication would assign), or a
        snapshot; without it every item is at SEQUENCE 0. ``options.now`` defaults to the
        application's clock.
        """
        from consultkit.app.publishing import SchedulePreview, export_calendar
        from consultkit.formats.exporter import ExportOptions

        options = options or ExportOptions()
        if options.now is None:
            options = attrs.evolve(options, now=self.clock.now())
        if isinstance(revision, SchedulePreview):
            revision = revision.snapshot
        return export_calendar(self.host, consultation, fmt, options, revision)

    def preview(self, consultation: Consultation) -> SchedulePreview | None:
        """What :meth:`publish` would assign now (by the application's clock), saving nothing.

        None before the first publication. Items edited since the latest revision get the
        next SEQUENCE and LAST-MODIFIED; see :class:`~consultkit.app.publishing.SchedulePreview`.
        """
        from consultkit.app.publishing import preview_schedule

        return preview_schedule(self.store, consultation, self.clock.now())

    def publish(
        self,
        consultation: Consultation,
        *,
        force: bool = False,
        output: str | os.PathLike[str] | None = None,
        languages: Sequence[str] = (),
        formats: Sequence[str] = (),
        feed_url: str | None = None,
    ) -> PublishResult:
        """Record a schedule revision if anything changed; write the feeds if ``output`` is given.

        The revision and its ``schedule.changed`` outbox event are stored in one
        transaction, then the ``schedule_changed`` hook runs once (never for an unchanged
        schedule). With ``output``, one file per language (default: all of the
        consultation's) and format (default: every registered one) is written there with
        the latest revision's SEQUENCE numbers; the result's ``files`` lists them.
        Languages and formats are checked before anything is recorded
        (``UnknownLanguageError``, ``UnknownFormatError``).
        """
        from consultkit.app.publishing import publish_schedule

        chosen = (
            self.export_formats(formats, consultation=consultation) if output is not None else []
        )
        for language in languages:
            _check_language(consultation, language)
        result = publish_schedule(
            self.store, consultation, self.clock.now(), force=force, host=self.host
        )
        if output is None:
            return result
        files = self.write_feeds(
            consultation,
            output,
            languages=languages,
            formats=chosen,
            feed_url=feed_url,
            revision=result.latest,
        )
        return attrs.evolve(result, files=tuple(files))

    def write_feeds(
        self,
        consultation: Consultation,
        output: str | os.PathLike[str],
        *,
        languages: Sequence[str] = (),
        formats: Sequence[str] = (),
        feed_url: str | None = None,
        revision: ScheduleRevision | None = None,
    ) -> Iterator[FeedFile]:
        """Write ``CONSULTATION.LANG.<suffix>`` files into ``output``, yielding each one.

        Unchanged files are left alone (same inode and mtime), so web servers keep their
        ETags. ``revision`` supplies SEQUENCE and LAST-MODIFIED (usually
        ``publish(...).latest``). Raises ``FeedError`` or ``FeedWriteError``.
        """
        from consultkit.app.publishing import write_feeds

        return write_feeds(
            self.host,
            consultation,
            output,
            languages=list(languages or consultation.languages),
            formats=self.export_formats(formats, consultation=consultation),
            revision=revision,
            now=self.clock.now(),
            feed_url=feed_url,
        )

    def history(self, consultation: Consultation) -> list[RevisionRecord]:
        """Every published revision of the schedule, oldest first, with its changes."""
        from consultkit.app.publishing import schedule_history

        return schedule_history(self.store, consultation)

    # -- reminders, subscriptions and the outbox -----------------------------------------

    def enqueue_reminders(
        self,
        consultation: Consultation,
        *,
        catch_up: dt.timedelta | None = None,
        reviewers: ReviewerPool | None = None,
        settings: NotifySettings | None = None,
    ) -> ReminderRun:
        """Enqueue the reminders and phase/call events due at the clock's instant.

        Cron-safe: an event whose dedupe key is stored already is skipped, so a second run
        enqueues nothing. Openings and closings more than ``catch_up`` old are not told
        (None: :data:`~consultkit.domain.reminders.DEFAULT_CATCH_UP`, two days).
        A reminder for a round's ``reviewers`` needs ``reviewers`` (the private reviewers
        file): each reviewer with reviews left gets their own event, routed here to their
        address on the channel that reaches people (``settings``, default the
        environment's); without it the reminder waits (:attr:`ReminderRun.waiting`).
        """
        from consultkit.app.outbox import due_events
        from consultkit.domain.reminders import DEFAULT_CATCH_UP

        now = to_utc(self.clock.now())
        if catch_up is None:
            # Not a default value: that would import the reminders and with them the
            # consultation model for every verb, `plugins` included (issue 14).
            catch_up = DEFAULT_CATCH_UP
        events = due_events(consultation, now, catch_up=catch_up)
        from consultkit.domain.model import REVIEWERS_AUDIENCE

        if not any(REVIEWERS_AUDIENCE in r.audience for r in consultation.reminders):
            # Most consultations remind no reviewer; `remind` then loads no review code.
            return ReminderRun(events=tuple(events), added=self.store.enqueue_events(events))
        from consultkit.app import review as review_verbs

        channel = self._address_channel(settings) if reviewers is not None else "email"
        mine = review_verbs.reviewer_reminders(
            self.store,
            consultation,
            now,
            reviewers,
            address_channel=channel,
            channel_plugins=self.host.channel_plugins(),
        )
        added = self.store.enqueue_events([*events, *mine.events])
        if mine.routes:
            # Routed again on every run: a run stopped between enqueueing and routing is
            # finished by the next; a delivery made already is not made twice.
            self.store.route_events(list(mine.routes), now)
        return ReminderRun(
            events=(*events, *mine.events),
            added=added,
            waiting=mine.waiting,
            unreachable=mine.unreachable,
        )

    def _address_channel(self, settings: NotifySettings | None) -> str:
        from consultkit.notify.channels import people_channel

        notifiers = self.notifiers(settings)
        try:
            return people_channel(notifiers)
        finally:
            for notifier in {id(n): n for n in notifiers.values()}.values():
                notifier.close()

    def upcoming_reminders(
        self, consultation: Consultation, limit: int | None = None
    ) -> list[tuple[dt.datetime, DueReminder]]:
        """The reminders still to come after the clock's instant, soonest first."""
        from consultkit.domain.reminders import upcoming_reminders

        return upcoming_reminders(consultation, to_utc(self.clock.now()))[:limit]

    def subscribe(
        self,
        consultation: Consultation,
        address: str,
        *,
        channel: str = "email",
        group: str | None = None,
        language: str | None = None,
    ) -> tuple[Subscription, bool]:
        """Subscribe ``address`` (an e-mail address, a webhook URL…); True when new.

        An existing subscription gets the new group and language. ``language`` defaults to
        the consultation's first. Raises :class:`RuleRefusedError` for a channel no plugin
        provides (rule ``channel``), an address the channel cannot take (rule ``address``:
        not one line; on ``email``, not an e-mail address by the rule ``submit`` and the
        SMTP channel apply; on ``webhook``, not an http(s) URL) or a language that is not a
        language tag (rule ``language``), and :class:`UnknownItemError` for an unknown group.
        """
        from consultkit.domain.submission_rules import language_problem

        address = address.strip()
        if not address or any(ch in address for ch in "\r\n\x00"):
            raise RuleRefusedError("address", deferred.gettext("the address must be one line"))
        if group is not None:
            consultation.group(group)  # raises UnknownItemError naming the groups
        channels = self.host.notifier_factories(consultation)
        if channel not in channels:
            raise RuleRefusedError(
                "channel",
                deferred.gettext(
                    "no plugin provides channel %(channel)r: use one of %(channels)s,"
                    " or install the plugin that provides it",
                    channel=channel,
                    channels=", ".join(sorted(channels)),
                ),
            )
        problem = _subscription_address_problem(channel, address)
        if problem is not None:
            raise RuleRefusedError(
                "address",
                deferred.gettext(
                    "%(address)r cannot be reached on %(channel)s: %(problem)s",
                    address=address,
                    channel=channel,
                    problem=problem,
                ),
            )
        if language is not None and (bad_language := language_problem(language)) is not None:
            raise RuleRefusedError("language", bad_language)
        subscription = Subscription(
            consultation_id=consultation.id,
            channel=channel,
            address=address,
            group=group,
            language=language or consultation.default_language,
            created_at=to_utc(self.clock.now()),
        )
        return subscription, self.store.add_subscription(subscription)

    def unsubscribe(
        self, consultation: Consultation, address: str, *, channel: str = "email"
    ) -> bool:
        """Remove a subscription; False if ``address`` was not subscribed on ``channel``."""
        return self.store.remove_subscription(consultation.id, channel, address.strip())

    def subscriptions(
        self, consultation: Consultation, *, group: str | None = None
    ) -> list[Subscription]:
        """The consultation's subscriptions (only ``group``'s and group-less ones if given)."""
        return self.store.list_subscriptions(consultation.id, group)

    def notifiers(self, settings: NotifySettings | None = None) -> dict[str, Notifier]:
        """One notifier per channel enabled in ``settings`` (default: from the environment)."""
        from consultkit.app.dispatch import build_notifiers
        from consultkit.notify.settings import load_settings

        settings = settings or self.settings or load_settings()
        return build_notifiers(self.host.notifier_factories(), settings)

    def dispatcher(
        self, settings: NotifySettings | None = None, *, batch_size: int = 100
    ) -> Dispatcher:
        """A dispatcher for this store with the notifiers, back-off and clock of the app.

        ``settings`` default to the environment (:func:`~consultkit.notify.settings.load_settings`).
        Close it when done (it closes its notifiers).
        """
        from consultkit.app.dispatch import Dispatcher
        from consultkit.notify.channels import people_channel
        from consultkit.notify.settings import load_settings

        settings = settings or self.settings or load_settings()
        notifiers = self.notifiers(settings)
        return Dispatcher(
            store=self.store,
            notifiers=notifiers,
            # A person's address goes only to a channel that reaches people (issue 9, item 7).
            address_channel=people_channel(notifiers),
            backoff=settings.backoff,
            batch_size=batch_size,
            channel_plugins=self.host.channel_plugins(),
            now=lambda: to_utc(self.clock.now()),
        )

    def dispatch(
        self,
        settings: NotifySettings | None = None,
        *,
        batch_size: int = 100,
        max_batches: int | None = None,
    ) -> DispatchReport:
        """Route new outbox events and send every due delivery once (``notify run``)."""
        dispatcher = self.dispatcher(settings, batch_size=batch_size)
        try:
            return dispatcher.drain(max_batches=max_batches)
        finally:
            dispatcher.close()

    def outbox(self, *, show: DeliveryStatus | None = None, limit: int = 20) -> OutboxStatus:
        """Unrouted events, deliveries per state and (with ``show``) up to ``limit`` of them."""
        from consultkit.app.dispatch import OutboxStatus

        return OutboxStatus(
            unrouted=len(self.store.unrouted_events(10_000)),
            counts=self.store.delivery_counts(),
            deliveries=tuple(self.store.list_deliveries(show, limit)) if show else (),
        )

    def retry_dead(self, delivery_ids: Sequence[str] | None = None) -> int:
        """Make dead deliveries (those listed, or all) pending again; returns how many."""
        return self.store.retry_dead(
            None if delivery_ids is None else list(delivery_ids), to_utc(self.clock.now())
        )

    # -- plugins -------------------------------------------------------------------------

    def plugins(self) -> PluginReport:
        """Every plugin, what it registered, and what failed (``consultkit plugins``)."""
        from consultkit.app.plugin_report import plugin_report

        return plugin_report(self.host)

    def plugin_warnings(self, consultation: Consultation) -> tuple[CheckWarning, ...]:
        """Warnings about ``consultation``'s ``[plugins.NAME]`` tables: a table naming no
        installed plugin (with a did-you-mean); see
        :func:`~consultkit.app.plugin_report.plugin_table_warnings`."""
        from consultkit.app.plugin_report import plugin_table_warnings

        return plugin_table_warnings(consultation, self.host)

    def plugin_commands(self) -> Mapping[str, click.Command]:
        """The command-line commands plugins registered, by name."""
        return self.host.commands()


def _check_language(consultation: Consultation, language: str) -> None:
    from consultkit.formats.exporter import UnknownLanguageError

    if language not in consultation.languages:
        raise UnknownLanguageError(
            deferred.gettext(
                "language %(language)r is not one of the consultation's languages (%(languages)s)",
                language=language,
                languages=", ".join(consultation.languages),
            )
        )


def _why(exc: BaseException) -> str | Text:
    if isinstance(exc, KeyError):
        return deferred.gettext("missing field %(key)s", key=repr(exc.args[0]))
    if isinstance(exc, ConsultkitError) and exc.text is not None:
        return exc.text
    return str(exc)


def _subscription_address_problem(channel: str, address: str) -> Text | None:
    """Why ``address`` cannot be a subscription on ``channel``, or None.

    ``email`` reaches people, so it takes what ``submit`` takes; ``webhook`` POSTs to
    endpoints, so it takes http(s) URLs only (the channel also refuses private targets when
    it sends, after resolving the name). Other channels keep their own rules.
    """
    from consultkit.domain.submission_rules import email_address_problem

    if channel == "email":
        return email_address_problem(address)
    if channel == "webhook":
        url = urllib.parse.urlsplit(address)
        if url.scheme not in ("http", "https") or not url.hostname or " " in address:
            return deferred.gettext("a webhook address is an http:// or https:// URL")
    return None
