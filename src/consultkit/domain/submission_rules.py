"""Where a submission is refused: the rules a draft must pass before it is stored.

Call windows checked to the last second, eligible groups, required fields and limits;
:func:`new_submission` and :func:`receipt_for` build what is stored and answered.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.domain.campaigns import fingerprint
from consultkit.domain.fields import values_problems
from consultkit.domain.instants import utc_instant
from consultkit.domain.submissions import (
    Draft,
    DraftFields,
    Provenance,
    Receipt,
    Submission,
    SubmissionRecord,
    SubmissionStatus,
    Verification,
    draft_fields,
    new_submission_id,
    new_tracking_number,
)
from consultkit.domain.vocabularies import Vocabulary, resolve_tag
from consultkit.domain.windows import Deadline, Precision
from consultkit.errors import InvalidValueError, PermissionDeniedError, RuleRefusedError
from consultkit.i18n import Text, deferred, joined
from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from consultkit.domain.model import Call, Consultation

# --------------------------------------------------------------------------------------
# Submitting: the rules a draft must pass before it is stored.

MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 100_000
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
# Characters that never appear in one bare address: they separate addresses, open display
# names or comments, or fold a header. ``:`` and ``/`` also keep URLs out (issue 9, item 7).
_NOT_IN_ADDRESS = re.compile(r'[<>,;"()\[\]\\: /\x00-\x1f]')
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_LABEL}\.)+{_DOMAIN_LABEL}")  # host names, one dot or more
# An ASCII dot-atom (RFC 5322 3.2.3) without the characters refused above: such a local
# part is one that Address parses and gives back unchanged, so it needs no parse. Parsing
# was a third of a bulk-imported row's cost (issue 14); a property test keeps them equal.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+)*")


def email_address_problem(text: str) -> Text | None:
    """Why ``text`` is not one bare e-mail address (``user@example.org``), or None if it is.

    The one rule for a person's address: ``submit`` and ``subscribers add`` check it, and
    the SMTP channel sends only to addresses that pass it, so an address accepted at the
    door is one the channel takes. The local part must parse as RFC 5322 (what
    :class:`email.headerregistry.Address` accepts), the domain is host names with a dot.
    """
    if not text or _NOT_IN_ADDRESS.search(text):
        return deferred.gettext(
            "it must be one address such as name@example.org, with no spaces or brackets"
        )
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return deferred.gettext("it has no @ between a name and a domain")
    if not _DOMAIN.fullmatch(domain):
        return deferred.gettext("%(domain)r is not a domain such as example.org", domain=domain)
    if _DOT_ATOM.fullmatch(local):
        return None
    if _parsed_address(text) != text:
        return deferred.gettext("%(local)r is not the name part of an e-mail address", local=local)
    return None


def _parsed_address(text: str) -> str | None:
    """``text`` as :class:`email.headerregistry.Address` gives it back, or None if refused."""
    # The email package costs start-up time, and plain addresses never get here (issue 14).
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    try:
        return Address(addr_spec=text).addr_spec
    except (ValueError, IndexError, HeaderParseError):  # "a@b@example.org" raises the last
        return None


def language_problem(language: str) -> Text | None:
    """Why ``language`` is not a language tag (``en``, ``zh``, ``es-419``), or None."""
    if not _LANGUAGE.match(language):
        return deferred.gettext(
            "%(language)r is not a language tag: use e.g. en, fr, zh or es-419",
            language=language,
        )
    return None


CONTENT_FIELDS = ("title", "body", "tags", "attachments", "organisation", "country")


@attrs.frozen(kw_only=True)
@shared_value_methods
class CallTimes:
    """When a call opens and closes, as far as the model knows.

    ``opens`` is the first instant submissions are accepted and ``closes`` the first
    instant that is too late (both UTC); ``None`` means unknown, which counts as open.
    ``deadline`` is the :class:`~consultkit.domain.windows.Deadline` behind ``closes``, if any.
    """

    opens: dt.datetime | None
    closes: dt.datetime | None
    deadline: Deadline | None
    notes: tuple[str, ...] = ()


def call_times(consultation: Consultation, call: Call) -> CallTimes:
    """Resolve a call's opening and closing instants from the call or the phases it names.

    The opening is ``opens_at`` or the start of the ``opens_with`` phase; the closing is
    the call's ``deadline`` or the ``closes_with`` phase's deadline (a phase whose window
    is a day or exact range closes at its end). A month-only or unscheduled phase says
    nothing certain, so that side stays unknown and a note says so.
    """
    notes: list[str] = []
    opens: dt.datetime | None = None
    if call.opens_at is not None:
        opens = utc_instant(call.opens_at)
    elif call.opens_with is not None:
        window = consultation.phase(call.opens_with).window
        if window.precision in (Precision.MINUTE, Precision.DAY) and window.earliest() is not None:
            opens = utc_instant(window.earliest())  # type: ignore[arg-type]
        else:
            notes.append(f"the opening of call {call.id!r} is not known precisely: treated as open")
    else:
        notes.append(f"call {call.id!r} has no opening: treated as open")

    deadline: Deadline | None = call.deadline
    closes: dt.datetime | None = None
    if deadline is None and call.closes_with is not None:
        window = consultation.phase(call.closes_with).window
        if isinstance(window, Deadline):
            deadline = window
        elif window.precision.firm and (latest := window.latest()) is not None:
            closes = utc_instant(latest)
        else:
            notes.append(
                f"the deadline of call {call.id!r} is not known precisely: treated as open"
            )
    elif deadline is None:
        notes.append(f"call {call.id!r} has no deadline: treated as open")
    if deadline is not None:
        closes = utc_instant(deadline.cutoff())
    return CallTimes(opens=opens, closes=closes, deadline=deadline, notes=tuple(notes))


def _describe_instant(instant: dt.datetime, zone: str) -> str:
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone} ({instant.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)"


def _describe_deadline(times: CallTimes, zone: str) -> Text:
    assert times.closes is not None
    if times.deadline is not None:
        try:
            rendered = times.deadline.render(zone)
        except ImportError:  # consultkit.domain.rendering is optional for the domain core
            rendered = ""
        if rendered:
            utc = f"{times.closes - dt.timedelta(seconds=1):%H:%M:%S} UTC"
            # Babel words the deadline in the reader's language when the refusal is shown.
            words = functools.partial(_deadline_words, times.deadline, zone)
            if utc in rendered:
                return deferred.gettext("the deadline was %(deadline)s", deadline=words)
            return deferred.gettext(
                "the deadline was %(deadline)s (%(utc)s)", deadline=words, utc=utc
            )
    last = times.closes - dt.timedelta(seconds=1)
    return deferred.gettext(
        "the last second accepted was %(instant)s", instant=_describe_instant(last, zone)
    )


def _deadline_words(deadline: Deadline, zone: str, language: str) -> str:
    return deadline.render(zone, language)


@attrs.frozen(kw_only=True)
@shared_value_methods
class SubmissionCheck:
    """A draft that passed the rules, with its canonical tags and any notes worth telling."""

    draft: Draft
    notes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
@shared_value_methods
class _CallRule:
    call: Call
    times: CallTimes
    needed: tuple[str, ...]
    """The content fields the call needs: title and body, then its requirements' own."""
    needs_more: bool
    """Whether ``needed`` names more than title and body."""
    vocabularies: tuple[Vocabulary, ...]
    _tags: dict[tuple[str, ...], tuple[str, ...]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )

    def canonical_tags(self, tags: tuple[str, ...]) -> tuple[str, ...]:
        """The term ids ``tags`` name, first spelling first, each once; or the ``tag`` rule."""
        # Rows of a bulk import repeat a few tag lists: each is resolved once (issue 14).
        # Only lists that resolve are kept, so a refusal is raised, and worded, every time.
        found = self._tags.get(tags)
        if found is not None:
            return found
        canonical: list[str] = []
        for raw in tags:
            try:
                tag = resolve_tag(raw, self.vocabularies)
            except InvalidValueError as exc:
                raise RuleRefusedError("tag", exc.text or str(exc)) from None
            if tag not in canonical:
                canonical.append(tag)
        found = tags if tuple(canonical) == tags else tuple(canonical)
        if len(self._tags) >= _TAG_LISTS_KEPT:
            self._tags.clear()
        self._tags[tags] = found
        return found


_TAG_LISTS_KEPT = 4096
_LANGUAGES_KEPT = 256


@attrs.define
@shared_value_methods(hashable=False)
class SubmissionRules:
    """The submitting rules of one consultation, with per-call facts worked out once.

    :func:`check_submission` uses it for one draft; a bulk import keeps one instance so
    deadlines and eligibility are resolved once per call, not once per row.
    """

    consultation: Consultation
    _calls: dict[str, _CallRule] = attrs.field(factory=dict, init=False)
    _groups: frozenset[str] = attrs.field(init=False)
    # Language tags that passed, so that the rows of a bulk import, which share a few,
    # are not matched against the pattern one by one (issue 14). Refused tags are not kept.
    _languages: set[str] = attrs.field(factory=set, init=False)

    def __attrs_post_init__(self) -> None:
        self._groups = frozenset(g.id for g in self.consultation.groups)

    def _call_rule(self, call_id: str) -> _CallRule:
        rule = self._calls.get(call_id)
        if rule is None:
            try:
                call = self.consultation.call(call_id)
            except LookupError:
                known: str | Text = ", ".join(c.id for c in self.consultation.calls)
                known = known or deferred.pgettext("no items", "none")
                raise RuleRefusedError(
                    "unknown-call",
                    deferred.gettext(
                        "consultation %(consultation)r has no call %(call)r (calls: %(known)s)",
                        consultation=self.consultation.id,
                        call=call_id,
                        known=known,
                    ),
                ) from None
            needed = ["title", "body"]
            for requirement in call.requirements:
                field = requirement.field
                # A requirement about another field is for plugins (validate_submission).
                if field is not None and field in CONTENT_FIELDS and field not in needed:
                    needed.append(field)
            rule = _CallRule(
                call=call,
                times=call_times(self.consultation, call),
                needed=tuple(needed),
                needs_more=len(needed) > 2,
                vocabularies=self.consultation.tag_vocabularies(call),
            )
            self._calls[call_id] = rule
        return rule

    def check(self, draft: Draft, at: dt.datetime) -> SubmissionCheck:
        """Check that ``draft`` may be submitted at ``at``; see :func:`check_submission`."""
        tags = self.check_values(draft_fields(draft), at)
        if tags != draft.tags:
            draft = attrs.evolve(draft, tags=tags)
        return SubmissionCheck(draft=draft, notes=self._call_rule(draft.call_id).times.notes)

    def check_values(self, draft: DraftFields, at: dt.datetime) -> tuple[str, ...]:
        """:meth:`check` on a draft's fields, flat; returns the canonical tags.

        The one implementation of the rules: :meth:`check` calls it, and a bulk import
        calls it directly so that no :class:`Draft` is built per row (issue 14).
        """
        # One unpacking instead of a dozen attribute reads (once per imported row).
        (call_id, group, name, email, organisation, country, title, body, language, tags,
         attachments, consent, fields) = draft  # fmt: skip
        publish_organisation = consent[2]
        instant = utc_instant(at)
        rule = self._calls.get(call_id) or self._call_rule(call_id)
        call, times = rule.call, rule.times
        zone = self.consultation.zone
        if times.opens is not None and instant < times.opens:
            raise RuleRefusedError(
                "call-not-open",
                deferred.gettext(
                    "call %(call)r opens at %(opens)s; it is now %(now)s",
                    call=call.id,
                    opens=_describe_instant(times.opens, zone),
                    now=_describe_instant(instant, zone),
                ),
            )
        if times.closes is not None and instant >= times.closes:
            raise RuleRefusedError(
                "call-closed",
                deferred.gettext(
                    "call %(call)r is closed: %(deadline)s; it is now %(now)s",
                    call=call.id,
                    deadline=_describe_deadline(times, zone),
                    now=_describe_instant(instant, zone),
                ),
            )

        if self._groups and group not in self._groups:
            raise RuleRefusedError(
                "unknown-group",
                deferred.gettext(
                    "consultation %(consultation)r has no stakeholder group %(group)r"
                    " (groups: %(known)s)",
                    consultation=self.consultation.id,
                    group=group,
                    known=", ".join(sorted(self._groups)),
                ),
            )
        if call.groups and group not in call.groups:
            raise RuleRefusedError(
                "group-not-eligible",
                deferred.gettext(
                    "call %(call)r is open to %(groups)s, not to %(group)r",
                    call=call.id,
                    groups=", ".join(call.groups),
                    group=group,
                ),
            )
        if not name.strip():
            raise RuleRefusedError(
                "submitter", deferred.gettext("the submitter's name is empty: give a name")
            )
        address_problem = email_address_problem(email.strip())
        if address_problem is not None:
            raise RuleRefusedError(
                "submitter",
                deferred.gettext(
                    "%(email)r is not an e-mail address (%(problem)s): receipts are sent there",
                    email=email,
                    problem=address_problem,
                ),
            )
        organisation = organisation or ""
        country = country or ""
        # The searches are made here and the refusing functions, which name the field, are
        # called only when one finds something: this runs once per row of a bulk import.
        if (
            "\x00" in name
            or "\x00" in email
            or "\x00" in organisation
            or "\x00" in country
            or "\x00" in title
            or "\x00" in body
            or (attachments and "\x00" in "".join(attachments))
        ):
            _refuse_nul((name, email, organisation, country, title, body, "".join(attachments)))
        # The tab breaks no line.
        if _LINE_BREAK.search(f"{name}\t{organisation}\t{country}\t{title}"):
            _refuse_line_breaks((name, organisation, country, title))
        if language not in self._languages:
            bad_language = language_problem(language)
            if bad_language is not None:
                raise RuleRefusedError("language", bad_language)
            if len(self._languages) >= _LANGUAGES_KEPT:
                self._languages.clear()
            self._languages.add(language)
        if call.fields or fields:
            refused = values_problems(call.fields, fields)
            if refused:
                raise RuleRefusedError(
                    "field",
                    joined(
                        deferred.gettext("field %(key)r: %(problem)s", key=key, problem=problem)
                        for key, problem in refused
                    ),
                    field=refused[0][0],
                )
        # Title and body lead every call's needs: with both given and nothing more needed,
        # no field is looked up one by one.
        needed = rule.needed if rule.needs_more or not (title.strip() and body.strip()) else ()
        for field in needed:
            if not _content_value(field, title, body, tags, attachments, organisation, country):
                detail = next(
                    (r.description(language) for r in call.requirements if r.field == field),
                    "",
                )
                needs = deferred.gettext(
                    "call %(call)r needs a %(field)s", call=call.id, field=field
                )
                if detail:
                    needs = deferred.gettext(
                        "call %(call)r needs a %(field)s (%(detail)s)",
                        call=call.id,
                        field=field,
                        detail=detail,
                    )
                raise RuleRefusedError("missing-content", needs)
        if len(title) > MAX_TITLE_CHARS:
            raise RuleRefusedError(
                "too-long",
                deferred.gettext(
                    "the title has %(length)s characters; at most %(most)s",
                    length=len(title),
                    most=MAX_TITLE_CHARS,
                ),
            )
        if len(body) > MAX_BODY_CHARS:
            raise RuleRefusedError(
                "too-long",
                deferred.gettext(
                    "the body has %(length)s characters; at most %(most)s"
                    " (send longer texts as attachments)",
                    length=len(body),
                    most=MAX_BODY_CHARS,
                ),
            )
        if tags:
            tags = rule.canonical_tags(tags)
        if publish_organisation and not organisation.strip():
            raise RuleRefusedError(
                "consent",
                deferred.gettext(
                    "consent to publish the organisation was given, but no organisation:"
                    " add one or drop the consent"
                ),
            )
        return tags


def _refuse_nul(texts: tuple[str, ...]) -> None:
    """Refuse a NUL character in any text (``_NUL_FIELDS``, in order): PostgreSQL cannot
    store one (a bulk import lost its whole chunk to one such row, issue 9), and no person
    types it. :meth:`SubmissionRules.check_values` searches first and calls this to name
    the field."""
    for field, value in zip(_NUL_FIELDS, texts, strict=True):
        if "\x00" in value:
            raise RuleRefusedError(
                "text",
                deferred.gettext(
                    "the %(field)s contains a NUL character (U+0000): remove it", field=field
                ),
            )


_NUL_FIELDS = ("name", "e-mail address", "organisation", "country", "title", "body", "attachments")


#: Line breaks of every kind: CR, LF, VT, FF, NEL and the Unicode line and paragraph
#: separators (what ``str.splitlines`` splits on, less the C0/C1 group separators).
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]")


def _refuse_line_breaks(lines: tuple[str, ...]) -> None:
    """Refuse a line break in a field that is one line (``_ONE_LINE_FIELDS``, in order): in
    a receipt e-mail it would start a new header, in a feed a new property. ``field`` names
    the submission's own key. :meth:`SubmissionRules.check_values` searches first and calls
    this to name the field."""
    for field, value in zip(_ONE_LINE_FIELDS, lines, strict=True):
        if _LINE_BREAK.search(value):
            raise RuleRefusedError(
                "one-line",
                deferred.gettext(
                    "the %(field)s must be one line: remove the line break", field=field
                ),
                field=field,
            )


_ONE_LINE_FIELDS = ("name", "organisation", "country", "title")


def _content_value(
    field: str,
    title: str,
    body: str,
    tags: tuple[str, ...],
    attachments: tuple[str, ...],
    organisation: str,
    country: str,
) -> object:
    if field == "title":
        return title.strip()
    if field == "body":
        return body.strip()
    if field == "tags":
        return tags
    if field == "attachments":
        return attachments
    if field == "organisation":
        return organisation.strip()
    return country.strip()


def check_submission(consultation: Consultation, draft: Draft, at: dt.datetime) -> SubmissionCheck:
    """Check that ``draft`` may be submitted at ``at``; return it with canonical tags.

    Rules, in order (each refusal is a :class:`RuleRefusedError` whose ``rule`` is named
    here): ``unknown-call``; ``call-not-open`` and ``call-closed`` (the instant against the
    call's opening and deadline, shown in the consultation's zone and in UTC);
    ``unknown-group`` and ``group-not-eligible``; ``submitter`` (name and a plausible
    e-mail); ``text`` (a NUL character in any field); ``one-line`` (a line break in the
    name, organisation, country or title; the error's ``field`` names it); ``language``;
    ``field`` (the values
    of the call's declared fields, each refusal named by its key; the error's ``field`` is
    the first refused key); ``missing-content`` (title and body, plus each requirement that
    names a field); ``too-long``; ``tag``; ``consent`` (publishing an organisation that
    was not given).
    """
    return SubmissionRules(consultation).check(draft, at)


def new_submission(
    draft: Draft,
    *,
    consultation_id: str,
    at: dt.datetime,
    provenance: Provenance = Provenance.WEB,
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    idempotency_key: str | None = None,
    tracking_number: str | None = None,
    verification: Verification = Verification.NONE,
    held: str | None = None,
) -> Submission:
    """A stored submission for ``draft``: a fresh time-ordered id and tracking number.

    ``tracking_number`` keeps an existing one (moving submissions between stores).
    """
    instant = utc_instant(at)
    return Submission(
        id=new_submission_id(instant),
        tracking_number=tracking_number or new_tracking_number(),
        consultation_id=consultation_id,
        call_id=draft.call_id,
        submitter=draft.submitter,
        provenance=provenance,
        status=status,
        received_at=instant,
        updated_at=instant,
        idempotency_key=idempotency_key,
        **_content(draft),
        verification=verification,
        held=held,
    )


def new_submission_record(
    consultation_id: str,
    draft: DraftFields,
    tags: tuple[str, ...],
    at: dt.datetime,
    provenance: Provenance,
    idempotency_key: str | None,
    tracking_number: str | None,
) -> SubmissionRecord:
    """What :func:`new_submission` makes from a checked draft's fields, flat.

    ``tags`` are the canonical tags the rules gave. A bulk import stores this record as it
    is (``submission_from_record`` gives the equal :class:`Submission` when a plugin
    validates it), so no value object is built and taken apart again per row (issue 14).
    The arguments may be given by position (a bulk import does: keywords cost more than
    the call's work).
    """
    (call_id, group, name, email, organisation, country, title, body, language, _, attachments,
     consent, fields) = draft  # fmt: skip
    instant = utc_instant(at)
    return SubmissionRecord(
        new_submission_id(instant),
        tracking_number or new_tracking_number(),
        consultation_id,
        call_id,
        group,
        language,
        SubmissionStatus.SUBMITTED,
        instant,
        instant,
        title.strip(),
        body,
        tags,
        attachments,
        name,
        email,
        organisation,
        country,
        *consent,
        provenance,
        fingerprint(body),
        idempotency_key,
        None,
        Verification.NONE,
        None,
        fields,
    )


def _content(draft: Draft) -> dict[str, Any]:
    """What a submitter writes, as stored: the same for a new submission and an edit."""
    return {
        "title": draft.title.strip(),
        "body": draft.body,
        "language": draft.language,
        "tags": draft.tags,
        "attachments": draft.attachments,
        "consent": draft.consent,
        "fingerprint": fingerprint(draft.body),
        "fields": draft.fields,
    }


def check_edit(
    rules: SubmissionRules,
    submission: Submission,
    draft: Draft,
    *,
    email: str,
    at: dt.datetime,
) -> Submission:
    """The new value of ``submission`` with the content of ``draft``, or the rule refusing it.

    Rules, in order: ``edit-own`` (only the submitter, by the e-mail address it was sent
    from); ``not-editable`` (the call does not say ``editable = true``); ``edit-status``
    (only a submission still ``submitted`` changes: once under review, the organisers read
    what they read); then every rule of :func:`check_submission` at ``at`` for the new
    content, so an edit at or after the deadline is refused with rule ``call-closed``
    exactly as a late submission is (the last second before it still counts).
    """
    who = submission.submitter
    if who is None or who.email.strip().casefold() != email.strip().casefold():
        raise PermissionDeniedError(
            "edit-own",
            deferred.gettext(
                "submission %(number)s can only be edited by its submitter:"
                " give the e-mail address it was sent from",
                number=submission.tracking_number,
            ),
        )
    call = rules.consultation.call(submission.call_id)
    if not call.editable:
        raise RuleRefusedError(
            "not-editable",
            deferred.gettext(
                "call %(call)r does not take edits (its consultation file does not say"
                " editable = true): withdraw the submission and send a new one instead",
                call=call.id,
            ),
        )
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise RuleRefusedError(
            "edit-status",
            deferred.gettext(
                "submission %(number)s is %(status)s: only a"
                " submission not yet under review can be edited",
                number=submission.tracking_number,
                status=str(submission.status),
            ),
        )
    if draft.call_id != submission.call_id or draft.submitter != who:
        raise ValueError("an edit keeps the call and the submitter")
    checked = rules.check(draft, at).draft
    return attrs.evolve(submission, updated_at=utc_instant(at), **_content(checked))


def receipt_for(submission: Submission, *, replayed: bool = False) -> Receipt:
    """The receipt a submitter gets for ``submission``."""
    return Receipt(
        tracking_number=submission.tracking_number,
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        call_id=submission.call_id,
        received_at=submission.received_at,
        status=submission.status,
        replayed=replayed,
    )
