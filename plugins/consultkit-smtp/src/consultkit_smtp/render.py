"""Turn one delivery into an e-mail's subject, plain-text part and HTML part.

Templates are Jinja2 files under ``templates/LANG/NAME.txt`` and ``NAME.html``, one per
event kind and language (en, es, fr ship; any other language falls back to English). The
plain-text template sets the subject with ``{% set subject %}…{% endset %}``. HTML
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
from consultkit.domain.rendering import render_brief
from consultkit.domain.windows import window_from_data

if TYPE_CHECKING:
    import jinja2

    from consultkit.storage.protocols import Delivery

LANGUAGES = ("en", "es", "fr")
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

# What happened to a schedule item, per template language (schedule.changed messages).
CHANGE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "added": "added",
        "removed": "removed",
        "moved": "moved",
        "confirmed": "confirmed",
        "tentative": "now to be confirmed",
        "cancelled": "cancelled",
        "place changed": "new place",
        "gone virtual": "now online",
        "details changed": "details updated",
    },
    "es": {
        "added": "nuevo",
        "removed": "retirado",
        "moved": "cambia de fecha u hora",
        "confirmed": "confirmado",
        "tentative": "pendiente de confirmación",
        "cancelled": "cancelado",
        "place changed": "cambia de lugar",
        "gone virtual": "pasa a ser en línea",
        "details changed": "detalles actualizados",
    },
    "fr": {
        "added": "ajouté",
        "removed": "retiré",
        "moved": "déplacé",
        "confirmed": "confirmé",
        "tentative": "à confirmer",
        "cancelled": "annulé",
        "place changed": "changement de lieu",
        "gone virtual": "désormais en ligne",
        "details changed": "détails mis à jour",
    },
}
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

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        # HTML parts escape every value (submitter-controlled titles, names); text parts
        # are plain text and must not be HTML-escaped.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.ChainableUndefined,
        keep_trailing_newline=True,
    )


def template_language(language: str) -> str:
    """The template language for a reader: theirs, its base language, else English."""
    for candidate in (language, language.split("-", 1)[0]):
        if candidate in LANGUAGES:
            return candidate
    return "en"


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
    from babel.dates import format_datetime

    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    local = instant.astimezone(tz)
    try:
        text = format_datetime(local, "long", tzinfo=tz, locale=language)
    except Exception:  # unknown locale: babel raises several types
        text = format_datetime(local, "long", tzinfo=tz, locale="en")
    return f"{text} ({zone})"


def _duration(seconds: Any, language: str) -> str:
    from babel.dates import format_timedelta

    if not isinstance(seconds, int | float):
        return ""
    try:
        return str(format_timedelta(dt.timedelta(seconds=seconds), threshold=1.0, locale=language))
    except Exception:  # unknown locale
        return str(format_timedelta(dt.timedelta(seconds=seconds), threshold=1.0, locale="en"))


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
    language = template_language(delivery.language or "en")
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
        "label": lambda change: CHANGE_LABELS[language].get(str(change), str(change)),
        "role": role,
        "consultation_title": _pick(
            consultation.get("title") if isinstance(consultation, Mapping) else None, language
        ),
    }
    env = _environment()
    text_module = env.get_template(f"{language}/{name}.txt").make_module(context)
    subject = one_line(str(getattr(text_module, "subject", "")) or delivery.event.kind)
    html = env.get_template(f"{language}/{name}.html").render(context)
    # A right-to-left plain-text part isolates its Latin fragments (addresses, times with
    # their zone, tracking numbers), or mail clients reorder their punctuation; the
    # subject is left alone, as some clients show isolate characters there as boxes.
    text = isolate_latin(str(text_module), language)
    return RenderedMessage(subject=subject, text=text, html=html, language=language)
