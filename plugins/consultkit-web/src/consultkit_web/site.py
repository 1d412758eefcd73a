"""What the web layer knows besides the request: the application, the consultations, languages.

A :class:`Site` holds one :class:`~consultkit.app.application.Consultkit` and the
consultations it serves. Handlers parse the request, call the application through the
site and render; the site itself decides nothing a rule decides. Calls that reach the
store run in a worker thread (the store serialises its own connection), so a slow disk
never stalls other requests on the event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import attrs
from babel import Locale, UnknownLocaleError

from consultkit.domain.field_files import largest_file
from consultkit.domain.fields import FileField
from consultkit.formats.exporter import ExportOptions
from consultkit.formats.timeline_json import build_timeline
from consultkit.i18n import catalogue_language

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Call, Consultation
    from consultkit.domain.text import Text

_ACCEPT_PART = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?"
)


def accepted_languages(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (q=0 left out)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")[:20]):
        match = _ACCEPT_PART.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0 and match.group(1) != "*":
            ranked.append((-quality, order, match.group(1).lower()))
    return [tag for _, _, tag in sorted(ranked)]


def reader_language(header: str | None) -> str:
    """The first language of an Accept-Language header that consultkit has words for,
    else English: the language of an API problem's ``detail``."""
    for tag in accepted_languages(header):
        if catalogue_language(tag) != "en" or tag.split("-", 1)[0] == "en":
            return tag
    return "en"


def pick_language(consultation: Consultation, asked: str | None, header: str | None) -> str:
    """``?lang=`` if the consultation has it, else the best Accept-Language match, else
    the consultation's first language."""
    languages = [lang.lower() for lang in consultation.languages]
    if asked and asked.lower() in languages:
        return consultation.languages[languages.index(asked.lower())]
    for tag in accepted_languages(header):
        for candidate in (tag, tag.split("-", 1)[0]):
            if candidate in languages:
                return consultation.languages[languages.index(candidate)]
    return consultation.default_language


def language_name(code: str) -> str:
    """A language's own name for itself (``español``), for the switcher."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


def strong_etag(data: bytes) -> str:
    """A strong entity tag: the same bytes always get the same tag, other bytes never do."""
    return '"' + hashlib.sha256(data).hexdigest()[:40] + '"'


@attrs.frozen(kw_only=True)
class Feed:
    """One exported document with what HTTP caching needs."""

    data: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime


@attrs.define
class Site:
    """The application and the consultations one web front end serves."""

    app: Consultkit
    consultations: Mapping[str, Consultation]
    started: dt.datetime = attrs.field(
        factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    in_flight: set[tuple[str, str]] = attrs.field(factory=set)
    """Idempotency keys whose submission is being stored right now (per consultation)."""
    max_body_bytes: int = 256 * 1024
    """The largest request body, except a submit to a call taking files (:meth:`body_limit`)."""
    _feeds: dict[tuple[object, ...], Feed] = attrs.field(factory=dict, init=False)

    @classmethod
    def of(
        cls,
        app: Consultkit,
        consultations: Sequence[Consultation],
        *,
        max_body_bytes: int = 256 * 1024,
    ) -> Site:
        by_id: dict[str, Consultation] = {}
        for consultation in consultations:
            if consultation.id in by_id:
                raise ValueError(f"consultation {consultation.id!r} is given twice")
            by_id[consultation.id] = consultation
        if not by_id:
            raise ValueError("give at least one consultation")
        return cls(app=app, consultations=by_id, max_body_bytes=max_body_bytes)

    def body_limit(self, call: Call | None) -> int:
        """The largest body a submit to ``call`` may send: its files, with room for the
        rest of the form (base64 in JSON makes 4 bytes of 3)."""
        if call is None:
            return self.max_body_bytes
        files = sum(largest_file(f) for f in call.fields if isinstance(f, FileField))
        if call.attachments is not None:
            files += call.attachments.max_files * call.attachments.max_bytes
        return self.max_body_bytes + files * 4 // 3

    def largest_body(self) -> int:
        """The largest body any route of this site takes."""
        calls = [k for c in self.consultations.values() for k in c.calls]
        return max([self.max_body_bytes, *map(self.body_limit, calls)])

    def now(self) -> dt.datetime:
        return self.app.now()

    def timeline(
        self, consultation: Consultation, language: str, zone: str | None = None
    ) -> dict[str, Any]:
        """The document ``consultkit timeline --format json`` prints, at the app's clock."""
        return build_timeline(consultation, at=self.now(), zone=zone, language=language)

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call an application verb in a worker thread (it may wait on the store)."""

        def call() -> Any:
            return function(*args, **kwargs)

        return await anyio.to_thread.run_sync(call)

    def feed(self, consultation: Consultation, fmt: str, language: str, group: str | None) -> Feed:
        """The schedule as ``fmt``, with the SEQUENCE numbers of the latest publication."""
        exporter = self.app.exporter(fmt, consultation)
        history = self.app.history(consultation)
        latest = history[-1] if history else None
        # The .ics bytes depend only on the (loaded once) consultation and the latest
        # publication, never on the clock: kept until a new revision is published, so a
        # calendar client's conditional poll costs a lookup, not an export.
        key = (consultation.id, fmt, language, group, latest and latest.number)
        cached = self._feeds.get(key) if fmt == "ics" else None
        if cached is not None:
            return cached
        data = self.app.export_calendar(
            consultation,
            fmt,
            ExportOptions(language=language, group=group),
            revision=self.app.preview(consultation),
        )
        changed = max([self.started, *([latest.published_at] if latest else [])])
        feed = Feed(
            data=data,
            media_type=exporter.media_type,
            etag=strong_etag(data),
            last_modified=changed.astimezone(dt.UTC).replace(microsecond=0),
        )
        if fmt == "ics":
            self._feeds[key] = feed
        return feed


def text_of(text: Text, language: str, consultation: Consultation) -> str:
    """A consultation text in ``language``, falling back as the exporters do."""
    return text.get(language, consultation.languages).text
