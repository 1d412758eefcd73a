"""The CalDAV client and the sync: what ``consultkit caldav-publish`` does once it runs.

Kept out of the plugin's entry module, which the plugin host imports on every verb: its
attrs classes, and the address and URL parsing it needs, are paid only by a publish
(issue 14).
"""

from __future__ import annotations

import base64
import ipaddress
import re
import urllib.parse
from typing import TYPE_CHECKING, Any

import attrs

from consultkit import ConsultkitError
from consultkit.i18n import Text, deferred, messages
from consultkit.reasons import os_reason

if TYPE_CHECKING:
    from collections.abc import Mapping

    from consultkit import Consultation

OWNER = "X-CONSULTKIT-CONSULTATION"
"""Names the consultation a resource belongs to, so a sync deletes only its own."""
DIGEST = "X-CONSULTKIT-DIGEST"
"""A hash of the resource as built, so an unchanged item is not rewritten."""


class CalDAVError(ConsultkitError):
    """The CalDAV server refused a request; the message says which and what to check."""


@attrs.frozen(kw_only=True)
class Resource:
    """One calendar object resource to publish: its UID, body and digest."""

    uid: str
    body: bytes
    digest: str


@attrs.frozen(kw_only=True)
class Remote:
    """One resource found in the collection."""

    href: str
    etag: str | None
    uid: str | None
    owner: str | None
    digest: str | None


@attrs.frozen(kw_only=True)
class SyncReport:
    """What a sync did (or, with ``dry_run``, would do), by UID."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def summary(self, language: str = "en") -> str:
        """How many resources were created, updated, deleted and left, in ``language``."""
        # Labelled counts rather than "3 created": no plural form to agree with the number.
        return messages(language).gettext(
            "created: %(created)s, updated: %(updated)s, deleted: %(deleted)s,"
            " unchanged: %(unchanged)s",
            created=len(self.created),
            updated=len(self.updated),
            deleted=len(self.deleted),
            unchanged=len(self.unchanged),
        )


def build_resources(
    consultation: Consultation,
    *,
    language: str | None = None,
    snapshot: Mapping[str, Any] | None = None,
) -> list[Resource]:
    """One resource per VEVENT of the feed, each with the VTIMEZONEs it uses.

    ``snapshot`` is a published schedule revision's snapshot (SEQUENCE, LAST-MODIFIED);
    without it every item is at SEQUENCE 0. No METHOD: CalDAV resources must not have one
    (RFC 4791 §4.1).
    """
    # Start-up (issue 14): this module is the plugin's entry point, imported on every CLI
    # run that loads plugins; icalendar (through formats.ics) and the schedule (through
    # the consultation model, about 100 ms) load when a sync builds.
    from icalendar import Calendar
    from icalendar.prop import vText

    from consultkit.domain.schedule import apply_snapshot, schedule_items
    from consultkit.formats.exporter import ExportOptions
    from consultkit.formats.ics import build_calendar

    items = apply_snapshot(schedule_items(consultation), snapshot)
    feed = build_calendar(consultation, items, ExportOptions(language=language))
    zones = {str(tz["TZID"]): tz for tz in feed.walk("VTIMEZONE")}
    # OpenSSL's bindings, for a feed being published, not for every command (issue 14)
    import hashlib

    resources = []
    for event in feed.walk("VEVENT"):
        uid = str(event["UID"])
        event.add(OWNER, vText(consultation.id))
        probe = Calendar()
        probe.add_component(event)
        timezones = [zones[tzid] for tzid in sorted(probe.get_used_tzids())]
        digest = hashlib.sha256(_resource(feed, timezones, event).to_ical()).hexdigest()[:32]
        event.add(DIGEST, vText(digest))
        body = _resource(feed, timezones, event).to_ical()
        resources.append(Resource(uid=uid, body=body, digest=digest))
    return resources


def _resource(feed: Any, timezones: list[Any], event: Any) -> Any:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("PRODID", feed["PRODID"])
    cal.add("VERSION", "2.0")
    for timezone in timezones:
        cal.add_component(timezone)
    cal.add_component(event)
    return cal


def _unfold(text: str) -> str:
    return re.sub(r"\r?\n[ \t]", "", text)


def _prop(text: str, name: str) -> str | None:
    match = re.search(rf"^{re.escape(name)}(?:;[^:\r\n]*)?:([^\r\n]*)", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _collection_url(url: str) -> str:
    return url if url.endswith("/") else f"{url}/"


@attrs.define
class CalDAVClient:
    """A minimal CalDAV client over http.client: REPORT, PUT and DELETE on one collection."""

    url: str = attrs.field(converter=_collection_url)
    user: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path or "/"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request to the server of :attr:`url`; returns status, headers, body."""
        # Start-up (issue 14): http.client (and the email package it loads) only when a
        # request is sent, not whenever the CLI loads its plugins.
        import http.client

        parts = urllib.parse.urlsplit(self.url)
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CalDAVError(
                deferred.gettext(
                    "not a CalDAV URL: %(url)r (write https://host/path/)", url=self.url
                )
            )
        connection = connection_type(parts.hostname, parts.port, timeout=self.timeout)
        sent = dict(headers)
        if self.user is not None:
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        except OSError as exc:
            raise CalDAVError(
                deferred.gettext(
                    "cannot reach %(url)s: %(reason)s", url=self.url, reason=os_reason(exc)
                )
            ) from None
        finally:
            connection.close()

    def list(self) -> list[Remote]:
        """Every VEVENT resource of the collection, with ETag, UID, owner and digest."""
        import xml.etree.ElementTree as ET

        body = (
            b'<?xml version="1.0" encoding="utf-8"?>'
            b'<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            b"<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            b'<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
            b"</C:comp-filter></C:filter></C:calendar-query>"
        )
        status, _, data = self.request(
            "REPORT",
            self.path,
            body,
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if status == 404:
            raise CalDAVError(
                deferred.gettext(
                    "no calendar collection at %(url)s (create it first)", url=self.url
                )
            )
        if status in (401, 403):
            raise CalDAVError(
                deferred.gettext(
                    "%(url)s refused the credentials (HTTP %(status)s)", url=self.url, status=status
                )
            )
        if status != 207:
            raise CalDAVError(_answered("REPORT", self.url, status))
        # The document comes from the server the organiser configured; ElementTree does not
        # fetch external entities, and expat >= 2.4.1 limits entity expansion.
        root = ET.fromstring(data)  # noqa: S314
        found = []
        for response in root.iter("{DAV:}response"):
            href = response.findtext("{DAV:}href") or ""
            etag = response.findtext(".//{DAV:}getetag")
            text = _unfold(
                response.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
            )
            found.append(
                Remote(
                    href=urllib.parse.unquote(href),
                    etag=etag,
                    uid=_prop(text, "UID"),
                    owner=_prop(text, OWNER),
                    digest=_prop(text, DIGEST),
                )
            )
        return found

    def put(self, href: str, body: bytes, *, etag: str | None = None) -> None:
        """Create (``If-None-Match: *``) or replace (``If-Match: etag``) one resource."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is None:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag
        status, _, data = self.request("PUT", urllib.parse.quote(href), body, headers)
        if status == 412:
            raise CalDAVError(
                deferred.gettext(
                    "%(href)s changed on the server during the sync; run caldav-publish again",
                    href=href,
                )
            )
        if status not in (200, 201, 204):
            raise CalDAVError(_answered("PUT", href, status, data))

    def delete(self, href: str, *, etag: str | None = None) -> None:
        """Delete one resource (``If-Match`` when its ETag is known); a 404 is fine."""
        headers = {"If-Match": etag} if etag else {}
        status, _, data = self.request("DELETE", urllib.parse.quote(href), None, headers)
        if status not in (200, 204, 404):
            raise CalDAVError(_answered("DELETE", href, status, data))


def _answered(method: str, target: str, status: int, body: bytes = b"") -> Text:
    """The server's refusal of ``method`` on ``target``: its status and what it said."""
    # The body is the server's own words, shown as it sent them (truncated).
    if not body:
        return deferred.gettext(
            "%(method)s %(target)s answered HTTP %(status)s",
            method=method,
            target=target,
            status=status,
        )
    return deferred.gettext(
        "%(method)s %(target)s answered HTTP %(status)s: %(answer)r",
        method=method,
        target=target,
        status=status,
        answer=body[:200],
    )


def sync(
    client: CalDAVClient,
    consultation: Consultation,
    *,
    language: str | None = None,
    snapshot: Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Make the collection hold exactly this consultation's items, leaving others' alone."""
    resources = build_resources(consultation, language=language, snapshot=snapshot)
    remote = {r.uid: r for r in client.list() if r.owner == consultation.id and r.uid is not None}
    created, updated, unchanged = [], [], []
    for resource in resources:
        existing = remote.pop(resource.uid, None)
        if existing is None:
            if not dry_run:
                client.put(f"{client.path}{resource.uid}.ics", resource.body)
            created.append(resource.uid)
        elif existing.digest == resource.digest:
            unchanged.append(resource.uid)
        else:
            if not dry_run:
                client.put(existing.href, resource.body, etag=existing.etag)
            updated.append(resource.uid)
    deleted = []
    for uid, existing in sorted(remote.items()):
        if not dry_run:
            client.delete(existing.href, etag=existing.etag)
        deleted.append(uid)
    return SyncReport(
        created=tuple(created),
        updated=tuple(updated),
        deleted=tuple(deleted),
        unchanged=tuple(unchanged),
    )


def plain_http_warning(url: str, user: str | None) -> Text | None:
    """What to say when ``url`` would carry Basic credentials unencrypted, else None.

    Basic authentication sends the password base64-encoded, i.e. readable, in every
    request; over ``http://`` anyone on the path can read it (issue 9).
    """
    parts = urllib.parse.urlsplit(url)
    if user is None or parts.scheme.lower() != "http" or _loopback(parts.hostname):
        return None
    return deferred.gettext(
        "the password for %(user)r goes to %(host)s unencrypted (plain http, Basic"
        " authentication): anyone on the network path can read it; use an https:// URL",
        user=user,
        host=parts.hostname,
    )


def _loopback(host: str | None) -> bool:
    """True for this machine (``localhost``, 127.0.0.0/8, ::1): nothing crosses a network."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
