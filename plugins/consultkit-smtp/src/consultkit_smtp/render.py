"""Turn one delivery into an e-mail's subject, plain-text part and HTML part.

Templates are Jinja2 files ``templates/NAME.txt`` and ``NAME.html``, one pair per event
kind; their words are ``_("…")`` calls into consultkit's catalogue (:mod:`consultkit.i18n`),
so every language it has (the six UN languages) gets the same messages, and any other
falls back to English. The plain-text template sets the subject with
``{% set subject %}…{% endset %}``. HTML
templates are autoescaped, so a title such as ``<script>`` arrives as text; plain-text
parts are not HTML and are not escaped.

Templates read the event's payload as stored (:mod:`consultkit.events` documents its
keys): the same shape every channel gets. A submission's own submitter gets ``receipt``
and ``status``; anyone else told about a submission (the organisers) gets
``organiser_receipt`` and ``organiser_status``, which speak to them about the submission
instead of "your submission".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from consultkit import events
from consultkit.domain.bidi import isolate_latin
from consultkit.domain.rendering import render_brief, render_duration, render_instant
from consultkit.domain.windows import window_from_data
from consultkit.domain.zones import known_zone
from consultkit.formats.labels import change_label, submission_status_label
from consultkit.formats.templating import install_gettext
from consultkit.i18n import messages

if TYPE_CHECKING:
    import jinja2

    from consultkit.storage.protocols import Delivery

TEMPLATE_FOR_KIND = {
    events.SubmissionReceived.kind: "receipt",
    events.SubmissionStatusChanged.kind: "status",
    events.SubmissionEdited.kind: "receipt",  # an updated receipt: the template says so
    events.SubmissionConfirmationRequested.kind: "confirm",
    events.ReminderDue.kind: "reminder",
    events.ScheduleChanged.kind: "schedule",
    events.PhaseOpened.kind: "item",
    events.CallOpened.kind: "item",
    events.CallClosed.kind: "item",
}
"""The template of each event kind (:data:`consultkit.events.EVENTS`); templates read the
payload exactly as stored, the same one webhook receivers get."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def one_line(text: str, limit: int = 200) -> str:
    """Collapse CR, LF and other control characters to spaces, for a header value."""
    return _CONTROL.sub(" ", text).strip()[:limit]


@attrs.frozen(kw_only=True)
class RenderedMessage:
    """The parts of one e-mail, in ``language`` (the template language actually used)."""

    subject: str
    text: str
    html: str
    language: str


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        # HTML parts escape every value (submitter-controlled titles, names); text parts
        # are plain text and must not be HTML-escaped.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.ChainableUndefined,
        keep_trailing_newline=True,
    )
    install_gettext(environment)
    return environment


def _pick(values: Any, language: str, fallbacks: tuple[str, ...] = ("en",)) -> str:
    if isinstance(values, str):
        return values
    if not isinstance(values, Mapping):
        return ""
    for candidate in (language, language.split("-", 1)[0], *fallbacks):
        if values.get(candidate):
            return str(values[candidate])
    return next((str(v) for v in values.values() if v), "")


def _when(value: Any, language: str, zone: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    try:
        known_zone(zone)
    except ValueError:
        zone = "UTC"
    return render_instant(instant, zone, language)


def _duration(seconds: Any, language: str) -> str:
    if not isinstance(seconds, int | float):
        return ""
    return render_duration(seconds, language)


def _span(part: Any, language: str, zone: str) -> str:
    """A published time (``consultkit.events.time_part``) for a reader.

    consultkit renders it (``render_brief``) from the window data the part carries; a part
    written before parts carried it is read from its other keys. What is not a window
    this version knows falls back to the part's short English text.
    """
    if not isinstance(part, Mapping):
        return ""
    data = part.get("window")
    if not isinstance(data, Mapping):
        data = _window_data(part, str(part.get("zone") or zone))
    if data is not None:
        try:
            return render_brief(window_from_data(data), language)
        except ValueError:
            pass
    return str(part.get("text") or "")


def _window_data(part: Mapping[str, Any], zone: str) -> dict[str, Any] | None:
    """The window data of a part written before parts carried it (older outbox events)."""
    precision = part.get("precision")
    if precision == "minute":
        return {"kind": "exact", "start": part.get("start"), "end": part.get("end"), "zone": zone}
    if precision in ("day", "month"):
        kind = "days" if precision == "day" else "months"
        first = part.get("first")
        return {"kind": kind, "first": first, "last": part.get("last") or first, "zone": zone}
    if precision == "deadline" and isinstance(part.get("deadline"), str):
        # Only the cut-off instant was kept: an at-time deadline at that instant.
        try:
            instant = dt.datetime.fromisoformat(str(part["deadline"]).replace("Z", "+00:00"))
            local = instant.astimezone(zoneinfo.ZoneInfo(zone))
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            return None
        return {
            "kind": "deadline",
            "day": local.date().isoformat(),
            "rule": "at-time",
            "time": local.time().isoformat(),
            "zone": zone,
        }
    return None


def recipient_role(payload: Mapping[str, Any], recipient: str) -> str:
    """Why ``recipient`` gets this message: ``submitter``, ``organiser`` or ``subscriber``."""
    wanted = recipient.strip().lower()
    email = payload.get("submitter_email")
    if isinstance(email, str) and email.strip().lower() == wanted:
        return "submitter"
    organisers = payload.get("organisers")
    if isinstance(organisers, list | tuple) and any(
        isinstance(o, str) and o.strip().lower() == wanted for o in organisers
    ):
        return "organiser"
    return "subscriber"


def render_message(delivery: Delivery) -> RenderedMessage:
    """Render the e-mail for ``delivery`` in its language (see the module docstring)."""
    language = delivery.language or "en"
    words = messages(language)
    payload: Mapping[str, Any] = delivery.event.payload
    consultation = payload.get("consultation") or {}
    zone = str(consultation.get("zone") or "UTC") if isinstance(consultation, Mapping) else "UTC"
    name = TEMPLATE_FOR_KIND.get(delivery.event.kind, "item")
    role = recipient_role(payload, delivery.recipient)
    if name in ("receipt", "status") and role != "submitter":
        # Organisers are told about a submission; only its submitter gets "your submission".
        name = f"organiser_{name}"
    context = {
        "kind": delivery.event.kind,
        "event_id": delivery.event.id,
        "payload": payload,
        "p": payload,
        "language": language,
        "recipient": delivery.recipient,
        "t": lambda values: _pick(values, language),
        "when": lambda value: _when(value, language, zone),
        "duration": lambda seconds: _duration(seconds, language),
        "span": lambda part: _span(part, language, zone),
        "change": lambda change: change_label(str(change), words),
        "status": lambda status: submission_status_label(str(status), words),
        "role": role,
        "consultation_title": _pick(
            consultation.get("title") if isinstance(consultation, Mapping) else None, language
        ),
    }
    env = _environment()
    text_module = env.get_template(f"{name}.txt").make_module(context)
    subject = one_line(str(getattr(text_module, "subject", "")) or delivery.event.kind)
    html = env.get_template(f"{name}.html").render(context)
    # A right-to-left plain-text part isolates its Latin fragments (addresses, times with
    # their zone, tracking numbers), or mail clients reorder their punctuation; the
    # subject is left alone, as some clients show isolate characters there as boxes.
    text = isolate_latin(str(text_module), language)
    return RenderedMessage(subject=subject, text=text, html=html, language=words.language)
