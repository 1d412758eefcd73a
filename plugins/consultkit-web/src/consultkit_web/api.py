"""The JSON API: consultation, timeline, calls, submitting with an Idempotency-Key, status.

Documented by the OpenAPI 3.1 document Litestar generates from these handlers and the
dataclasses below (``/api/schema/openapi.json``). Problems are answered as
``application/problem+json`` (RFC 9457) carrying the refusing rule's name
(see :mod:`consultkit_web.problems`).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt  # noqa: TC003 (Litestar reads the dataclasses' annotations at runtime)
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from consultkit.domain.attachments import Upload
from consultkit.domain.submissions import Consent, Provenance, Submitter
from consultkit.errors import ConsultkitError
from consultkit.i18n import deferred
from consultkit_web.fields import field_views
from consultkit_web.pages import (
    consultation_of,
    lookup,
    public_history,
    screening_of,
    site_of,
    too_large,
)
from consultkit_web.problems import documented, problem
from consultkit_web.site import text_of


@dataclasses.dataclass(frozen=True)
class OrganisationOut:
    id: str
    name: str
    url: str | None


@dataclasses.dataclass(frozen=True)
class GroupOut:
    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class OptionOut:
    value: str
    label: str


@dataclasses.dataclass(frozen=True)
class FieldOut:
    """One of the call's own fields, labelled in the reader's language."""

    key: str
    kind: str
    label: str
    help: str
    required: bool
    public: bool
    options: list[OptionOut]
    vocabulary: str | None
    limits: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class CallOut:
    id: str
    kind: str
    title: str
    state: str
    accepting: bool
    binding: bool
    opens_utc: str | None
    deadline_utc: str | None
    deadline_text: str | None
    groups: list[str]
    fields: list[str]
    """The fixed fields every submission carries."""
    own_fields: list[FieldOut]
    """The call's own fields (``[[calls.fields]]``), sent as ``fields`` by key."""
    fields_schema: dict[str, Any] | None
    """The JSON Schema (draft 2020-12) of the call's own field values, if it has any."""


@dataclasses.dataclass(frozen=True)
class ContactOut:
    name: str | None
    email: str | None
    phone: str | None


@dataclasses.dataclass(frozen=True)
class ConsultationOut:
    id: str
    title: str
    language: str
    languages: list[str]
    zone: str
    website: str | None
    organisers: list[OrganisationOut]
    contact: ContactOut
    groups: list[GroupOut]
    calls: list[CallOut]


@dataclasses.dataclass(frozen=True)
class AttachmentIn:
    """One file, for a call that takes files: its name and its bytes in base64."""

    name: Annotated[str, Parameter(max_length=1000)]
    content_base64: Annotated[
        str,
        Parameter(
            description="The file's bytes, base64 (RFC 4648). Its type is read from the"
            " bytes; the name is only a label."
        ),
    ]


@dataclasses.dataclass(frozen=True)
class SubmissionIn:
    """A submission as software sends it (the fields of ``consultkit submit``)."""

    group: str
    name: str
    email: str
    title: str
    body: str
    organisation: str | None = None
    country: str | None = None
    language: str = "en"
    tags: list[str] = dataclasses.field(default_factory=list)
    consent_publish_text: bool = False
    consent_publish_name: bool = False
    consent_publish_organisation: bool = False
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Values of the call's own fields by key (see the call's ``fields_schema``)."""
    screening: dict[str, str] = dataclasses.field(default_factory=dict)
    """What a screening plugin reads (a CAPTCHA response); at most 20 values are used."""
    attachments: list[AttachmentIn] = dataclasses.field(default_factory=list)
    """Files, only for a call that declares ``attachments`` (rule ``attachment``)."""
    field_files: dict[str, AttachmentIn] = dataclasses.field(default_factory=dict)
    """The files of the call's file fields by key (rule ``field``, naming the field)."""


@dataclasses.dataclass(frozen=True)
class ReceiptOut:
    tracking_number: str
    consultation_id: str
    call_id: str
    received_at: dt.datetime
    status: str
    replayed: bool


@dataclasses.dataclass(frozen=True)
class HistoryOut:
    at: str
    status: str


@dataclasses.dataclass(frozen=True)
class StatusOut:
    tracking_number: str
    call_id: str
    status: str
    history: list[HistoryOut]


SUBMISSION_FIELDS = [f.name for f in dataclasses.fields(SubmissionIn)]
Lang = Annotated[str | None, QueryParameter(name="lang", required=False, description="Language")]


def _calls(
    request: Request[Any, Any, Any], consultation_id: str, lang: str | None
) -> list[CallOut]:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = lang if lang in consultation.languages else consultation.default_language
    document = site.timeline(consultation, language)
    own = {
        call.id: [_field_out(view) for view in field_views(call, consultation, language)]
        for call in consultation.calls
    }
    return [
        CallOut(
            id=c["id"],
            kind=c["kind"],
            title=c["title"]["text"],
            state=c["state"],
            accepting=c["accepting"],
            binding=c["binding"],
            opens_utc=c["opens_utc"],
            deadline_utc=c["deadline_utc"],
            deadline_text=c["deadline_text"],
            groups=c["groups"],
            fields=SUBMISSION_FIELDS,
            own_fields=own.get(c["id"], []),
            fields_schema=c.get("fields_schema"),
        )
        for c in document["calls"]
    ]


def _field_out(view: dict[str, Any]) -> FieldOut:
    return FieldOut(
        key=view["key"],
        kind=view["kind"],
        label=view["label"],
        help=view["help"],
        required=view["required"],
        public=view["public"],
        options=[OptionOut(value=o["value"], label=o["label"]) for o in view["options"]],
        vocabulary=view["vocabulary"],
        limits=view["limits"],
    )


@get(
    "/api/consultations/{consultation_id:str}",
    sync_to_thread=False,
    tags=["consultation"],
    responses=documented(),
)
def get_consultation(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], lang: Lang = None
) -> ConsultationOut:
    """The consultation: titles in one language, organisers, contact, groups and calls."""
    consultation = consultation_of(site_of(request), consultation_id)
    language = lang if lang in consultation.languages else consultation.default_language
    contact = consultation.contact
    return ConsultationOut(
        id=consultation.id,
        title=text_of(consultation.title, language, consultation),
        language=language,
        languages=list(consultation.languages),
        zone=consultation.zone,
        website=consultation.website,
        organisers=[
            OrganisationOut(id=o.id, name=text_of(o.name, language, consultation), url=o.url)
            for o in consultation.organisers
        ],
        contact=ContactOut(name=contact.name, email=contact.email, phone=contact.phone),
        groups=[
            GroupOut(id=g.id, name=text_of(g.name, language, consultation))
            for g in consultation.groups
        ],
        calls=_calls(request, consultation_id, language),
    )


@get(
    "/api/consultations/{consultation_id:str}/timeline",
    sync_to_thread=False,
    tags=["consultation"],
    responses=documented(),
)
def get_timeline(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    lang: Lang = None,
    tz: Annotated[
        str | None, QueryParameter(name="tz", required=False, description="IANA time zone")
    ] = None,
) -> dict[str, Any]:
    """The same document as ``consultkit timeline --format json`` (docs/timeline-json.md)."""
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = lang if lang in consultation.languages else consultation.default_language
    try:
        return site.timeline(consultation, language, tz)
    except ValueError as exc:
        # The parameter's name is data; the zone's refusal is in the reader's language.
        reason = exc.render if isinstance(exc, ConsultkitError) else str(exc)
        raise problem(
            400, "zone", deferred.gettext("%(name)s: %(problem)s", name="tz", problem=reason)
        ) from None


@get(
    "/api/consultations/{consultation_id:str}/calls",
    sync_to_thread=False,
    tags=["consultation"],
    responses=documented(),
)
def get_calls(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], lang: Lang = None
) -> list[CallOut]:
    """Every call with its state now, its deadline stated by rule and its fields."""
    return _calls(request, consultation_id, lang)


def _upload(attachment: AttachmentIn) -> Upload:
    try:
        content = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise problem(
            422,
            "attachment",
            deferred.gettext(
                "the content of %(name)r is not base64: encode the file's bytes"
                " with base64 (RFC 4648)",
                name=attachment.name[:100],
            ),
        ) from None
    return Upload(name=attachment.name, content=content)


@post(
    "/api/consultations/{consultation_id:str}/calls/{call_id:str}/submissions",
    tags=["submissions"],
    responses=documented(409, 413, 422),
)
async def post_submission(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    call_id: FromPath[str],
    data: JSONBody[SubmissionIn],
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            required=False,
            max_length=200,
            description="Same key and body: the original receipt (200); another body: 422;"
            " a request with this key still being stored: 409.",
        ),
    ] = None,
) -> Response[ReceiptOut]:
    """Store one submission and answer its receipt (201; 200 when replayed).

    A call that takes files takes a larger body (its files in base64); any other the
    site's usual limit.
    """
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    call = next((c for c in consultation.calls if c.id == call_id), None)
    limit = site.body_limit(call)
    if len(await request.body()) > limit:  # read already, for ``data``
        raise problem(413, "body-too-large", too_large(limit))
    uploads = [_upload(a) for a in data.attachments]
    field_files = {key: _upload(a) for key, a in data.field_files.items()}
    flight = (consultation.id, idempotency_key or "")
    if idempotency_key and flight in site.in_flight:
        raise problem(
            409,
            "idempotency-key-in-flight",
            deferred.gettext(
                "a request with this Idempotency-Key is still being processed: retry shortly"
            ),
        )
    if idempotency_key:
        site.in_flight.add(flight)
    try:
        receipt = await site.run(
            site.app.submit,
            consultation,
            call_id=call_id,
            submitter=Submitter(
                name=data.name,
                email=data.email,
                group=data.group,
                organisation=data.organisation or None,
                country=data.country or None,
            ),
            title=data.title,
            body=data.body,
            language=data.language,
            tags=data.tags,
            consent=Consent(
                publish_text=data.consent_publish_text,
                publish_name=data.consent_publish_name,
                publish_organisation=data.consent_publish_organisation,
            ),
            idempotency_key=idempotency_key,
            provenance=Provenance.WEB,
            fields=data.fields,
            screening=screening_of(request, data.screening),
            uploads=uploads,
            field_files=field_files,
        )
    finally:
        site.in_flight.discard(flight)
    out = ReceiptOut(
        tracking_number=receipt.tracking_number,
        consultation_id=receipt.consultation_id,
        call_id=receipt.call_id,
        received_at=receipt.received_at,
        status=str(receipt.status),
        replayed=receipt.replayed,
    )
    return Response(out, status_code=HTTP_200_OK if receipt.replayed else HTTP_201_CREATED)


@get(
    "/api/consultations/{consultation_id:str}/submissions/{tracking_number:str}",
    tags=["submissions"],
    responses=documented(),
)
async def get_status(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], tracking_number: FromPath[str]
) -> StatusOut:
    """The public status and history of one submission; nothing personal."""
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    record = await lookup(site, consultation, tracking_number)
    if record is None:
        raise problem(
            404,
            "unknown-submission",
            deferred.gettext("no submission with this tracking number"),
        )
    return StatusOut(
        tracking_number=record.submission.tracking_number,
        call_id=record.submission.call_id,
        status=record.public_status,
        history=[HistoryOut(**h) for h in public_history(record)],
    )


@dataclasses.dataclass(frozen=True)
class PublicPageOut:
    items: list[dict[str, Any]]
    """Rows of ``consultkit submissions export --public``: consent applied."""
    next_cursor: str | None
    """Give it as ``cursor`` for the next page; null on the last page."""


@get(
    "/api/consultations/{consultation_id:str}/submissions",
    tags=["submissions"],
    responses=documented(422),
)
async def get_public_submissions(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    cursor: Annotated[
        str | None,
        QueryParameter(required=False, max_length=512, description="From the previous page"),
    ] = None,
    limit: Annotated[int, QueryParameter(required=False, ge=1, le=500)] = 50,
) -> PublicPageOut:
    """The public submissions, as ``submissions export --public`` gives them, a page at a
    time by cursor: no page is repeated or skipped while submissions arrive."""
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    page = await site.run(site.app.public_submissions, consultation, cursor=cursor, limit=limit)
    return PublicPageOut(items=list(page.rows), next_cursor=page.next_cursor)


ROUTES = [get_consultation, get_timeline, get_calls, get_public_submissions]
"""The API routes but ``post_submission``, which ``create_app`` mounts with its body limit."""
