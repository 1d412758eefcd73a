"""The server-rendered pages: consultation, submission form, receipt, tracking, feeds.

Every page works without JavaScript; the one script (a countdown) only refreshes a number
the server already wrote. Handlers parse the request, call the application (through
:class:`~consultkit_web.site.Site`) and render a template; they decide no rule.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath  # noqa: TC002 (Litestar reads handler signatures at runtime)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from consultkit.domain.attachments import ACCEPTABLE_TYPES, Upload
from consultkit.domain.bidi import direction
from consultkit.domain.fields import COUNTRY_CODES, FileField
from consultkit.domain.lifecycle import public_status
from consultkit.domain.rendering import render_duration, render_number
from consultkit.domain.submissions import (
    Consent,
    Provenance,
    Submitter,
    Verification,
    normalize_tracking_number,
)
from consultkit.errors import ConfirmationLinkError, RuleRefusedError, UnknownItemError
from consultkit.formats.labels import submission_status_label
from consultkit.i18n import Text, catalogue_language, deferred, messages
from consultkit_web.fields import (
    UnreadableValue,
    entered_values,
    field_views,
    files_from_form,
    place_options,
    values_from_form,
)
from consultkit_web.labels import call_state, item_status, rule_text
from consultkit_web.problems import problem
from consultkit_web.site import Site, language_name, pick_language, text_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar.connection import ASGIConnection

    from consultkit.app.application import SubmissionRecord
    from consultkit.domain.model import Call, Consultation

TRACK_FLOOR_SECONDS = 0.25
"""Every tracking lookup answers after at least this long, found or not, so the time taken
does not tell whether a number exists."""

FORM_FIELDS = (
    "group",
    "name",
    "organisation",
    "email",
    "title",
    "body",
    "language",
    "tags",
)
CONSENT_FIELDS = ("consent_publish_text", "consent_publish_name", "consent_publish_organisation")
HONEYPOT = "website"


SCREENING_KEYS = 20
SCREENING_CHARACTERS = 4096
"""At most this many screening values of at most this many characters each are passed on."""
_NOT_SCREENING = frozenset(
    {*FORM_FIELDS, *CONSENT_FIELDS, HONEYPOT, "_csrf_token", "idempotency_key"}
)


def screening_of(request: Request[Any, Any, Any], values: Mapping[str, object]) -> dict[str, str]:
    """What the ``screen_submission`` hook is given: the text ``values`` beyond the
    submission's own fields (a CAPTCHA widget's response), bounded, and ``client``, the
    client's address."""
    screening: dict[str, str] = {}
    for key, value in values.items():
        if key in _NOT_SCREENING or not isinstance(value, str):
            continue
        if len(screening) == SCREENING_KEYS:
            break
        screening[key[:100]] = value[:SCREENING_CHARACTERS]
    screening["client"] = request.client.host if request.client else ""
    return screening


def site_of(request: ASGIConnection[Any, Any, Any, Any]) -> Site:
    site: Site = request.app.state["site"]
    return site


def consultation_of(site: Site, consultation_id: str) -> Consultation:
    found = site.consultations.get(consultation_id)
    if found is None:
        raise problem(
            404,
            "not-found",
            deferred.gettext("no consultation %(consultation)r", consultation=consultation_id),
        )
    return found


def call_of(consultation: Consultation, call_id: str) -> Call:
    for call in consultation.calls:
        if call.id == call_id:
            return call
    raise problem(
        404,
        "not-found",
        deferred.gettext(
            "no call %(call)r in consultation %(consultation)r",
            call=call_id,
            consultation=consultation.id,
        ),
    )


def page_context(
    request: Request[Any, Any, Any], consultation: Consultation, language: str
) -> dict[str, Any]:
    """What every page of a consultation shows: its title, the language switcher, words."""
    switch = [
        {
            "code": code,
            "name": language_name(code),
            "href": f"{request.url.path}?{urlencode({'lang': code})}",
            "current": code == language,
        }
        for code in consultation.languages
    ]
    words = messages(language)
    return {
        "lang": language,
        "dir": direction(language),
        "status_text": lambda status: submission_status_label(str(status), words),
        "call_state": lambda state: call_state(str(state), words),
        "item_status": lambda status: item_status(str(status), words),
        "duration": lambda seconds: render_duration(seconds or 0, language),
        "consultation": consultation,
        "title": text_of(consultation.title, language, consultation),
        "switch": switch,
        "home": f"/{quote(consultation.id)}?lang={quote(language)}",
        "q": f"?lang={quote(language)}",
    }


def _language(request: Request[Any, Any, Any], consultation: Consultation) -> str:
    return pick_language(
        consultation, request.query_params.get("lang"), request.headers.get("accept-language")
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def index(request: Request[Any, Any, Any]) -> Template | Redirect:
    site = site_of(request)
    if len(site.consultations) == 1:
        only = next(iter(site.consultations))
        query = f"?{request.url.query}" if request.url.query else ""
        return Redirect(f"/{quote(only)}{query}", status_code=HTTP_303_SEE_OTHER)
    first = next(iter(site.consultations.values()))
    language = _language(request, first)
    context = page_context(request, first, language)
    context["title"] = messages(language).gettext("Consultations")
    context["items"] = [
        {"href": f"/{quote(c.id)}", "title": text_of(c.title, language, c)}
        for c in site.consultations.values()
    ]
    return Template(template_name="index.html", context=context)


@get("/{consultation_id:str}", include_in_schema=False, sync_to_thread=False)
def consultation_page(request: Request[Any, Any, Any], consultation_id: FromPath[str]) -> Template:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = _language(request, consultation)
    document = site.timeline(consultation, language)
    context = page_context(request, consultation, language)
    now = site.now()
    calls = []
    for call in document["calls"]:
        seconds = None
        if call["deadline_utc"] and call["accepting"]:
            cutoff = call["deadline_utc"]
            seconds = int((_parse_utc(cutoff) - now).total_seconds())
        calls.append(
            call
            | {
                "seconds_left": seconds,
                "submit": f"/{quote(consultation.id)}/calls/{quote(call['id'])}/submit"
                f"?lang={quote(language)}",
            }
        )
    base = str(request.base_url).rstrip("/")
    feed_path = f"/{quote(consultation.id)}/feeds/{quote(language)}.ics"
    https_url = base + feed_path
    webcal = "webcal://" + https_url.split("://", 1)[1]
    context |= {
        "document": document,
        "phases": [i for i in document["items"] if i["type"] == "phase"],
        "events": [i for i in document["items"] if i["type"] == "event"],
        "calls": calls,
        "organisers": [text_of(o.name, language, consultation) for o in consultation.organisers],
        "contact": consultation.contact,
        "description": text_of(consultation.description, language, consultation),
        "zone": consultation.zone,
        "now_text": now.strftime("%Y-%m-%d %H:%M UTC"),
        "feeds": {
            "webcal": webcal,
            "google": "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}),
            "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
            + urlencode({"url": https_url, "name": context["title"]}),
            "ics": feed_path,
        },
        "track": f"/{quote(consultation.id)}/track?lang={quote(language)}",
    }
    return Template(template_name="consultation.html", context=context)


def _parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _eligible_groups(consultation: Consultation, call: Call, language: str) -> list[dict[str, str]]:
    return [
        {"id": g.id, "name": text_of(g.name, language, consultation)}
        for g in consultation.groups
        if not call.groups or g.id in call.groups
    ]


def _form_context(
    request: Request[Any, Any, Any],
    consultation: Consultation,
    call: Call,
    language: str,
    values: dict[str, str],
    consent: dict[str, bool],
    key: str,
    error: dict[str, str] | None = None,
    entered: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    context = page_context(request, consultation, language)
    vocabularies = consultation.tag_vocabularies(call)
    context |= {
        "fields": field_views(call, consultation, language),
        "countries": place_options(COUNTRY_CODES, {}, language),
        "entered": entered or {},
        "tag_vocabularies": [
            {
                "label": text_of(v.label, language, consultation),
                "terms": f"{v.terms[0].id} … {v.terms[-1].id}" if v.terms else "",
            }
            for v in vocabularies
        ],
        "call": call,
        "call_title": text_of(call.title, language, consultation),
        "groups": _eligible_groups(consultation, call, language),
        "languages": [
            {"code": code, "name": language_name(code)} for code in consultation.languages
        ],
        "values": values,
        "consent": consent,
        "idempotency_key": key,
        "error": error,
        "action": f"/{quote(consultation.id)}/calls/{quote(call.id)}/submit?lang={quote(language)}",
    }
    # Files travel only in a multipart form: for the call's attachments or file fields.
    context["multipart"] = call.attachments is not None or any(
        isinstance(f, FileField) for f in call.fields
    )
    if call.attachments is not None:
        context["attachment_types"] = ", ".join(
            ACCEPTABLE_TYPES[t].upper() for t in call.attachments.types
        )
        # The page's own digits and decimal mark (2,5 in French), by babel, not by hand.
        context["attachment_megabytes"] = render_number(
            call.attachments.max_bytes / 1_000_000, language
        )
    return context


@get(
    "/{consultation_id:str}/calls/{call_id:str}/submit",
    include_in_schema=False,
    sync_to_thread=False,
)
def submit_form(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], call_id: FromPath[str]
) -> Template:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    call = call_of(consultation, call_id)
    language = _language(request, consultation)
    values = dict.fromkeys(FORM_FIELDS, "") | {"language": language}
    consent = dict.fromkeys(CONSENT_FIELDS, False)
    context = _form_context(
        request, consultation, call, language, values, consent, uuid.uuid4().hex
    )
    return Template(template_name="submit.html", context=context)


def limit_body(request: Request[Any, Any, Any], limit: int) -> None:
    """Answer 413 when the body announces more than ``limit`` bytes, 411 when it announces
    nothing (browsers always send a form's length).

    The route's own limit, the largest any call takes, bounds what is read at all: the
    CSRF check reads a form before this handler runs. The length is announced, and the
    server (uvicorn's h11) refuses a body longer than announced.
    """
    if request.content_length is None:
        raise problem(
            411,
            "length-required",
            deferred.gettext("send the form with a Content-Length header"),
        )
    if request.content_length > limit:
        raise problem(413, "body-too-large", too_large(limit))


def too_large(limit: int) -> Text:
    """Why a body was refused, its limit written as the reader's language writes numbers."""
    return deferred.gettext(
        "the request is larger than this form takes (%(limit)s bytes): send smaller files",
        limit=lambda language: format_decimal(limit, locale=catalogue_language(language)),
    )


def field_of(rule: str, message: str, field: str | None = None) -> str | None:
    """Which form field a refusal is about, so the page can show it beside that field.

    ``field`` is the refusal's own (``RuleRefusedError.field``) when the rule names it.
    """
    if rule in {"quota", "attachment"} or field in FORM_FIELDS:
        return field
    if rule in {"unknown-group", "group-not-eligible"}:
        return "group"
    if rule == "submitter":
        return "name" if "name" in message and "e-mail" not in message else "email"
    if rule in {"language", "tag", "consent"}:
        return {"tag": "tags", "consent": "consent"}.get(rule, rule)
    if rule in {"missing-content", "too-long"}:
        for field in ("title", "body", "tags", "organisation", "country"):
            if f" {field}" in message:
                return field
    return None


def refusal(
    language: str, rule: str, message: str | Text, field: str | None = None
) -> dict[str, str]:
    """A refusal as the form shows it: the field, the rule in plain words, the details.

    ``field`` is the refusal's own (``RuleRefusedError.field``). For rule ``field`` it is
    the key of the call's own field that was refused, shown beside that field (its id is
    ``f-KEY``); otherwise a fixed form field, or found from the rule and message. The
    details are worded in the page's language.
    """
    english = str(message)
    shown = f"f-{field}" if rule == "field" and field else field_of(rule, english, field)
    key = rule
    # A refused submitter is told which of its two fields to fix, a quota which it counts.
    if rule in {"submitter", "quota"} and shown is not None:
        key = f"quota.{shown}" if rule == "quota" else shown
    text = rule_text(key, messages(language))
    detail = message.render(language) if isinstance(message, Text) else message
    return {"field": shown or "", "rule": rule, "text": text, "detail": detail}


@post(
    "/{consultation_id:str}/calls/{call_id:str}/submit",
    include_in_schema=False,
    status_code=HTTP_303_SEE_OTHER,
)
async def submit_post(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], call_id: FromPath[str]
) -> Template | Redirect:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    call = call_of(consultation, call_id)
    language = _language(request, consultation)
    limit_body(request, site.body_limit(call))
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in FORM_FIELDS}
    consent = {name: bool(form.get(name)) for name in CONSENT_FIELDS}
    key = str(form.get("idempotency_key") or "")[:200] or uuid.uuid4().hex
    entered = entered_values(form, call.fields)

    def refused(rule: str, message: str | Text, field: str | None = None) -> Template:
        context = _form_context(
            request,
            consultation,
            call,
            language,
            values,
            consent,
            key,
            refusal(language, rule, message, field),
            entered,
        )
        return Template(
            template_name="submit.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY
        )

    if form.get(HONEYPOT):
        return refused("honeypot", deferred.gettext("the field meant to stay empty was filled in"))
    try:
        field_values = values_from_form(call.fields, entered)
    except UnreadableValue as exc:
        return refused("field", exc.text, exc.key)
    # Browsers send an empty part for a file input left empty: it is no file.
    sent = form.getall("attachments") if "attachments" in form else []
    files = [f for f in sent if isinstance(f, UploadFile) and f.filename]
    uploads = [Upload(name=f.filename, content=await f.read()) for f in files]
    field_files = {
        key: Upload(name=f.filename, content=await f.read())
        for key, f in files_from_form(form, call.fields).items()
    }
    submitter = Submitter(
        name=values["name"].strip(),
        email=values["email"].strip(),
        group=values["group"],
        organisation=values["organisation"].strip() or None,
    )
    flight = (consultation.id, key)
    if flight in site.in_flight:
        # The same form sent twice at once: answer the second when the first is stored.
        for _ in range(100):
            await asyncio.sleep(0.05)
            if flight not in site.in_flight:
                break
    site.in_flight.add(flight)
    try:
        receipt = await site.run(
            site.app.submit,
            consultation,
            call_id=call.id,
            submitter=submitter,
            title=values["title"],
            body=values["body"],
            language=values["language"] or language,
            tags=[t.strip() for t in values["tags"].split(",") if t.strip()],
            consent=Consent(
                publish_text=consent["consent_publish_text"],
                publish_name=consent["consent_publish_name"],
                publish_organisation=consent["consent_publish_organisation"],
            ),
            idempotency_key=key,
            provenance=Provenance.WEB,
            fields=field_values,
            screening=screening_of(
                request, {name: form.get(name) for name in form if name != "attachments"}
            ),
            uploads=uploads,
            field_files=field_files,
        )
    except RuleRefusedError as exc:
        return refused(exc.rule, exc.text or str(exc), exc.field)
    finally:
        site.in_flight.discard(flight)
    return Redirect(
        f"/{quote(consultation.id)}/receipt?"
        + urlencode({"number": receipt.tracking_number, "lang": language}),
        status_code=HTTP_303_SEE_OTHER,
    )


async def lookup(site: Site, consultation: Consultation, number: str) -> SubmissionRecord | None:
    """The submission with this tracking number, or None, always after the same floor time.

    Only tracking numbers are looked up (never internal ids), and a malformed number costs
    the same store round trip as a well-formed unknown one.
    """
    started = time.monotonic()
    canonical = normalize_tracking_number(number.strip()[:64]) if number else None
    record: SubmissionRecord | None = None
    try:
        record = await site.run(site.app.show, consultation, canonical or "CK-0000-0000-0000-0000")
    except UnknownItemError:
        record = None
    if canonical is None:
        record = None
    await asyncio.sleep(max(0.0, TRACK_FLOOR_SECONDS - (time.monotonic() - started)))
    return record


EDITED = "edited"
"""The history's word for an edit by the submitter (each edit is listed)."""


def public_history(record: SubmissionRecord) -> list[dict[str, str]]:
    """When the public status changed and when the submitter edited it: dates and what
    happened only, never who or why."""
    moments = [(entry.at, public_status(entry.to_status)) for entry in record.history]
    moments += [(version.replaced_at, EDITED) for version in record.versions]
    shown: list[dict[str, str]] = []
    for at, status in sorted(moments, key=lambda moment: moment[0]):
        if shown and shown[-1]["status"] == status != EDITED:
            continue
        shown.append({"at": at.strftime("%Y-%m-%d %H:%M UTC"), "status": status})
    return shown


@get("/{consultation_id:str}/receipt", include_in_schema=False)
async def receipt_page(request: Request[Any, Any, Any], consultation_id: FromPath[str]) -> Template:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = _language(request, consultation)
    record = await lookup(site, consultation, request.query_params.get("number", ""))
    if record is None:
        raise problem(404, "not-found", deferred.gettext("no such receipt"))
    context = page_context(request, consultation, language)
    submission = record.submission
    context |= {
        "number": submission.tracking_number,
        "call_title": text_of(
            call_of(consultation, submission.call_id).title, language, consultation
        ),
        "received": submission.received_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "status": record.public_status,
        "unconfirmed": submission.verification is Verification.EMAIL_UNCONFIRMED,
        "track": f"/{quote(consultation.id)}/track?"
        + urlencode({"number": submission.tracking_number, "lang": language}),
    }
    return Template(template_name="receipt.html", context=context)


CONFIRMATION_TOKEN_LIMIT = 512
"""Longer than any token consultkit signs; a longer one is refused unread."""


@get("/{consultation_id:str}/confirm/{token:str}", include_in_schema=False)
async def confirm_page(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], token: FromPath[str]
) -> Template:
    """Follow an e-mail confirmation link. A GET records it, because that is what a mail
    reader does with a link; following it twice is harmless."""
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = _language(request, consultation)
    try:
        if len(token) > CONFIRMATION_TOKEN_LIMIT:
            raise ConfirmationLinkError("confirmation-link", "this confirmation link is not valid")
        submission = await site.run(site.app.confirm_email, consultation, token)
    except ConfirmationLinkError as exc:
        words = messages(language)
        if exc.rule == "confirmation-expired":
            text = words.gettext(
                "This confirmation link has expired. Your submission is kept, unconfirmed;"
                " ask the organisers to confirm it."
            )
            raise problem(410, exc.rule, text) from None
        text = words.gettext(
            "This confirmation link is not valid. Copy the whole link from the e-mail,"
            " or ask the organisers for help."
        )
        raise problem(400, exc.rule, text) from None
    context = page_context(request, consultation, language)
    context |= {
        "number": submission.tracking_number,
        "track": f"/{quote(consultation.id)}/track?"
        + urlencode({"number": submission.tracking_number, "lang": language}),
    }
    return Template(template_name="confirmed.html", context=context)


@get("/{consultation_id:str}/track", include_in_schema=False)
async def track_page(request: Request[Any, Any, Any], consultation_id: FromPath[str]) -> Template:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language = _language(request, consultation)
    number = request.query_params.get("number", "")
    context = page_context(request, consultation, language)
    context |= {"number": number[:64], "asked": bool(number), "record": None}
    if number:
        record = await lookup(site, consultation, number)
        if record is not None:
            context |= {
                "record": {
                    "number": record.submission.tracking_number,
                    "status": record.public_status,
                    "call_title": text_of(
                        call_of(consultation, record.submission.call_id).title,
                        language,
                        consultation,
                    ),
                    "history": public_history(record),
                }
            }
    return Template(template_name="track.html", context=context)


@get("/{consultation_id:str}/feeds/{name:str}", include_in_schema=False)
async def feed(
    request: Request[Any, Any, Any], consultation_id: FromPath[str], name: FromPath[str]
) -> Response[bytes]:
    """``LANG.ics`` (or ``.json``, ``.html``, ``.svg``); ``?group=ID`` keeps one group's items."""
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    language, _, suffix = name.partition(".")
    formats = {"ics": "ics", "json": "json", "html": "html", "svg": "svg"}
    if language not in consultation.languages or suffix not in formats:
        raise problem(
            404,
            "not-found",
            deferred.gettext(
                "no feed %(name)r: use LANG.ics, LANG.json, LANG.html or LANG.svg", name=name
            ),
        )
    group = request.query_params.get("group") or None
    if group is not None and group not in {g.id for g in consultation.groups}:
        raise problem(
            404, "not-found", deferred.gettext("no stakeholder group %(group)r", group=group)
        )
    document = await site.run(site.feed, consultation, formats[suffix], language, group)
    headers = {
        "ETag": document.etag,
        "Last-Modified": format_datetime(document.last_modified, usegmt=True),
        # Calendar clients poll; a short max-age and revalidation keep them current cheaply.
        "Cache-Control": "public, max-age=300, must-revalidate",
    }
    if suffix == "ics":
        headers["Content-Disposition"] = f'inline; filename="{consultation.id}.{language}.ics"'
    if _not_modified(request, document.etag, document.last_modified):
        return Response(content=b"", status_code=304, headers=headers)
    # Litestar adds "; charset=utf-8" to text/* types itself: give it the bare type once.
    media_type = document.media_type.split(";", 1)[0].strip()
    return Response(
        content=document.data, media_type=media_type, headers=headers, status_code=HTTP_200_OK
    )


def _not_modified(request: Request[Any, Any, Any], etag: str, last_modified: dt.datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {part.strip() for part in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return bool(parsedate_to_datetime(since) >= last_modified)
        except (TypeError, ValueError):
            return False
    return False


ROUTES = [index, consultation_page, receipt_page, confirm_page, feed]
"""The page routes but the form's (``submit_form``, ``submit_post``): ``create_app`` mounts
those with their own body limit."""
