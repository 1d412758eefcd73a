"""Render a consultation's schedule as one standalone HTML page with "add to calendar" links.

The page has no scripts and no external assets (inline CSS only), so it can be mailed,
archived or served from anywhere. Every value from the consultation file goes through
Jinja2 with autoescaping on, and links are kept only when their scheme is ``http``,
``https``, ``mailto`` or ``webcal`` (autoescaping alone would let ``javascript:`` through).

Times are written in the consultation's zone with the UTC instants beside them. Windows
known only to the month, or not at all, are labelled so and get no calendar links: a
calendar entry would have to invent a day.

Per item, the page links to a Google Calendar template (all-day dates as
``YYYYMMDD/YYYYMMDD`` with an exclusive end, timed ones in UTC with ``Z``), an Outlook.com
compose deeplink, and an iCalendar file of that one item as a ``data:`` URI.
"""

from __future__ import annotations

import datetime as dt
import functools
import urllib.parse
from typing import TYPE_CHECKING, Any, Final

from consultkit._version import __version__
from consultkit.domain.bidi import direction, is_rtl, latin_runs
from consultkit.domain.links import safe_url
from consultkit.domain.model import ItemStatus
from consultkit.domain.windows import to_utc
from consultkit.formats.labels import (
    kind_label,
    precision_label,
    relation_label,
    status_label,
)
from consultkit.i18n import messages

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import jinja2

    from consultkit.domain.model import Consultation, Place
    from consultkit.domain.schedule import ScheduleItem

GOOGLE_TEMPLATE: Final = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE: Final = "https://outlook.live.com/calendar/0/deeplink/compose"


def _utc_iso(instant: dt.datetime) -> str:
    return to_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def calendar_span(item: ScheduleItem) -> tuple[str, str, bool] | None:
    """The item's span for calendar links: (start, end, all_day) as ISO text, or None.

    All-day spans give dates (end exclusive); timed spans give UTC instants. Windows known
    only to the month, unscheduled ones and cancelled items give ``None``.
    """
    if item.status is ItemStatus.CANCELLED or not item.window.precision.firm:
        return None
    span = item.window.calendar_span()
    if span is None:
        return None
    if isinstance(span.start, dt.datetime) and isinstance(span.end, dt.datetime):
        return _utc_iso(span.start), _utc_iso(span.end), False
    return span.start.isoformat(), span.end.isoformat(), True


def _query(values: dict[str, str]) -> str:
    # Keep "/" readable: Google's ``dates`` parameter is written START/END.
    return urllib.parse.urlencode(values, safe="/", quote_via=urllib.parse.quote)


def _compact(text: str) -> str:
    return text.replace("-", "").replace(":", "")


def google_url(
    item: ScheduleItem, *, title: str, details: str, location: str, zone: str
) -> str | None:
    """A Google Calendar event template URL for ``item``, or None when it has no firm span."""
    span = calendar_span(item)
    if span is None:
        return None
    start, end, _all_day = span
    query = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_compact(start)}/{_compact(end)}",
        "details": details,
        "location": location,
        "ctz": zone,
    }
    return f"{GOOGLE_TEMPLATE}?{_query(query)}"


def outlook_url(item: ScheduleItem, *, title: str, details: str, location: str) -> str | None:
    """An Outlook.com compose deeplink for ``item``, or None when it has no firm span."""
    span = calendar_span(item)
    if span is None:
        return None
    start, end, all_day = span
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start,
        "enddt": end,
        "allday": "true" if all_day else "false",
        "body": details,
        "location": location,
    }
    return f"{OUTLOOK_COMPOSE}?{_query(query)}"


def data_uri(ics: bytes) -> str:
    """A ``data:`` URI carrying an iCalendar document."""
    return "data:text/calendar;charset=utf-8," + urllib.parse.quote(ics.decode("utf-8"), safe="")


def utc_line(item: ScheduleItem) -> str | None:
    """The item's instants in UTC, for readers elsewhere; None when no instant is known."""
    window = item.window
    earliest, latest = window.earliest(), window.latest()
    if not window.precision.firm or earliest is None or latest is None:
        return None
    start, end = to_utc(earliest), to_utc(latest)
    if start == end:  # a cut-off: the first instant that is too late
        return f"UTC: < {start:%Y-%m-%d %H:%M}"
    if start.date() == end.date():
        return f"UTC: {start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"UTC: {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _place_text(place: Place | None, language: str) -> tuple[str | None, str | None, bool]:
    if place is None:
        return None, None, False
    parts = [p for p in (place.room(language), place.venue(language), place.address) if p]
    # A virtual-only meeting is remote by nature: "remote participation" is said of the others.
    remote = place.remote_participation and not place.is_virtual
    return (", ".join(parts) or None), safe_url(place.online_url), remote


def _relation_key(item: ScheduleItem, now: dt.datetime | None) -> str | None:
    if now is None:
        return None
    return str(item.window.relation(now).value)


def page_context(
    consultation: Consultation,
    items: Sequence[ScheduleItem],
    *,
    language: str,
    now: dt.datetime | None,
    feed_url: str | None,
    item_ics: Callable[[ScheduleItem], bytes] | None,
) -> dict[str, Any]:
    """Everything the template shows, as plain values (the template only lays them out)."""
    words = messages(language)
    zone = consultation.zone
    group_names = {g.id: g.name(language) for g in consultation.groups}
    call_titles = {c.id: c.title(language) for c in consultation.calls}
    page_items = []
    for item in items:
        title = item.title(language)
        when = item.window.render(zone, language)
        description = item.description(language)
        place, online_url, remote = _place_text(item.place, language)
        details = "\n\n".join(p for p in (when, description) if p)
        location = place or online_url or ""
        links: dict[str, str | None] | None = None
        google = google_url(item, title=title, details=details, location=location, zone=zone)
        outlook = outlook_url(item, title=title, details=details, location=location)
        if google is not None and outlook is not None:
            links = {"google": google, "outlook": outlook, "ics": None, "ics_name": None}
            if item_ics is not None:
                links["ics"] = data_uri(item_ics(item))
                links["ics_name"] = f"{item.ref.replace(':', '-')}.ics"
        no_links = None
        if links is None and not item.window.precision.firm:
            no_links = words.gettext(
                "The dates are not known to the day yet; subscribe to the feed to receive"
                " them when they are announced."
            )
        relation = _relation_key(item, now)
        page_items.append(
            {
                "anchor": item.ref.replace(":", "-"),
                "kind": item.kind,
                "kind_label": kind_label(item.kind, words),
                "status": item.status.value,
                "status_label": status_label(item.status, words),
                "precision": item.window.precision.value,
                "precision_label": precision_label(item.window.precision, words),
                "relation": relation,
                "relation_label": relation_label(relation, words) if relation else None,
                "title": title,
                "when": when,
                "utc": utc_line(item),
                "description": description,
                "note": item.note(language),
                "place": place,
                "online_url": online_url,
                "remote": remote,
                "calls": [call_titles.get(c, c) for c in item.calls],
                "groups": ", ".join(group_names.get(g, g) for g in item.groups)
                or words.gettext("all stakeholder groups"),
                "url": safe_url(item.url),
                "links": links,
                "no_links_reason": no_links,
            }
        )
    feed = safe_url(feed_url)
    webcal = None
    if feed is not None and feed.startswith(("http://", "https://")):
        webcal = "webcal://" + feed.split("://", 1)[1]
    contact = consultation.contact
    contact_parts = [p for p in (contact.name, contact.email, contact.phone) if p]
    return {
        "version": __version__,
        "language": language,
        "direction": direction(language),
        "title": consultation.title(language),
        "description": consultation.description(language),
        "organisers": [o.name(language) for o in consultation.organisers],
        "times_in": words.gettext("Times are in %(zone)s, with UTC beside them.", zone=zone)
        if zone != "UTC"
        else words.gettext("Times are in UTC."),
        "as_of": words.gettext("Status as of %(instant)s.", instant=_utc_iso(now)) if now else None,
        "feed_url": feed,
        "webcal_url": webcal or feed,
        "entries": page_items,
        "contact": contact_parts,
        "website": safe_url(consultation.website),
        "source": consultation.source(language),
        "labels": {
            "organisers": words.gettext("Organised by"),
            "subscribe": words.gettext("Subscribe to the calendar feed"),
            "ics_file": words.gettext("iCalendar file (.ics)"),
            "timeline": words.gettext("Timeline"),
            "where": words.gettext("Where"),
            "online": words.gettext("Online"),
            "remote": words.gettext("remote participation offered"),
            "closes_calls": words.gettext("Deadline for"),
            "groups": words.gettext("For"),
            "add_to_calendar": words.gettext("Add to calendar"),
            "google": words.gettext("Google Calendar"),
            "outlook": words.gettext("Outlook.com"),
            "contact": words.gettext("Contact"),
            "website": words.gettext("Website"),
            "table.caption": words.gettext("The timeline as a table"),
            "table.item": words.pgettext("timeline table", "Item"),
            "table.kind": words.pgettext("timeline table", "Kind"),
            "table.when": words.pgettext("timeline table", "When"),
            "table.status": words.pgettext("timeline table", "Status"),
            "table.precision": words.pgettext("timeline table", "How precise"),
        },
    }


def isolate(context: jinja2.runtime.Context, value: object, whole: bool = False) -> object:
    """The template's ``bidi`` filter: Latin fragments of ``value`` in ``<bdi>`` on a
    right-to-left page (``whole``: all of it, for a label with its colon, a phone number).

    A left-to-right page gets ``value`` back untouched (autoescaping does the rest).
    """
    from markupsafe import Markup, escape

    page = context.get("page")
    if value is None or not isinstance(page, dict) or not is_rtl(str(page.get("language"))):
        return value
    text = str(value)
    if whole:
        return Markup("<bdi>{}</bdi>").format(text)
    pieces: list[Markup] = [
        Markup("<bdi>{}</bdi>").format(piece) if latin else escape(piece)
        for piece, latin in latin_runs(text)
    ]
    return Markup("").join(pieces)


def render_page(
    consultation: Consultation,
    items: Sequence[ScheduleItem],
    *,
    language: str,
    now: dt.datetime | None = None,
    feed_url: str | None = None,
    item_ics: Callable[[ScheduleItem], bytes] | None = None,
) -> bytes:
    """The standalone HTML page for ``items`` as UTF-8 bytes.

    ``item_ics`` builds the iCalendar document of one item (the page links it as a
    ``data:`` URI); without it, items get Google and Outlook links only.
    """
    context = page_context(
        consultation, items, language=language, now=now, feed_url=feed_url, item_ics=item_ics
    )
    return _page_template().render(page=context).encode("utf-8")


TEMPLATE_NAME: Final = "timeline.html.j2"
COMPILED_MODULE: Final = "consultkit.formats.compiled_templates.timeline_page"


def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("consultkit.formats", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["bidi"] = jinja2.pass_context(isolate)
    return environment


def _source_digest(source: str) -> str:
    import hashlib

    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def compiled_page_module(environment: jinja2.Environment | None = None) -> str:
    """The text of :data:`COMPILED_MODULE`: jinja2's own compilation of the page template
    (what :class:`jinja2.ModuleLoader` loads), headed by the jinja2 version that wrote it
    and the digest of the template it was written from."""
    import jinja2

    environment = environment or _environment()
    source = _template_source(environment)
    code = environment.compile(source, TEMPLATE_NAME, TEMPLATE_NAME, raw=True, defer_init=True)
    return (
        f'"""Written by jinja2 from templates/{TEMPLATE_NAME}: do not edit.\n\n'
        "Regenerate with ``python -m consultkit.formats.compiled_templates`` after changing\n"
        "the template or upgrading jinja2 (tests/test_startup_work.py checks it).\n"
        '"""\n\n'
        f"JINJA2_VERSION = {jinja2.__version__!r}\n"
        f"SOURCE_SHA256 = {_source_digest(source)!r}\n\n"
        f"{code}\n"
    )


def _template_source(environment: jinja2.Environment) -> str:
    assert environment.loader is not None
    source, _filename, _uptodate = environment.loader.get_source(environment, TEMPLATE_NAME)
    return source


@functools.cache
def _page_template() -> jinja2.Template:
    """The page template, once per process (``publish`` renders one page per language).

    Compiling it (jinja2's lexer, parser and code generator) took 20 ms of every
    ``publish`` (issue 14); the module jinja2 compiled it to ships with consultkit and
    is used while it matches the template's text and the installed jinja2, as
    :class:`jinja2.ModuleLoader` would load it. Otherwise the template is compiled here.
    """
    import importlib

    import jinja2

    environment = _environment()
    compiled = importlib.import_module(COMPILED_MODULE)
    written_by, written_from = compiled.JINJA2_VERSION, compiled.SOURCE_SHA256
    digest = _source_digest(_template_source(environment))
    if (written_by, written_from) == (jinja2.__version__, digest):
        return environment.template_class.from_module_dict(
            environment, vars(compiled), environment.make_globals(None)
        )
    return environment.get_template(TEMPLATE_NAME)
