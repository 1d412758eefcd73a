"""Independent checks of iCalendar bytes, for tests: none of this imports icalendar.

- :func:`lint` reads the raw bytes (CRLF, 75-octet folding, control characters, required
  properties, declared TZIDs, REFRESH-INTERVAL's VALUE=DURATION, UTC DTSTAMPs…);
- :func:`parse_with_ical` and :func:`parse_with_vobject` parse with two other libraries and
  normalise each VEVENT to a :class:`Row`;
- :func:`expected_rows` computes the same rows from the schedule items (the model), so a
  test compares field by field without trusting the exporter's library;
- :func:`rename_tzids` makes a copy whose TZIDs no parser knows, which forces the parsers to
  use the VTIMEZONE rules themselves;
- :class:`RadicaleServer` runs a real CalDAV server on loopback for round trips.

Other test modules may reuse these helpers: put this folder on ``sys.path`` and import it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.client
import re
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.domain.model import ItemStatus
from consultkit.domain.windows import (
    CutoffRule,
    DayWindow,
    Deadline,
    ExactWindow,
    MonthWindow,
    Unscheduled,
    to_utc,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from consultkit.domain.schedule import ScheduleItem

CRLF = b"\r\n"
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)')
_IANA = re.compile(r"^[A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+$|^UTC$")


# -- raw lint ------------------------------------------------------------------------------


def unfold(data: bytes) -> list[str]:
    """The logical content lines of ``data`` (RFC 5545 §3.1), decoded as UTF-8."""
    lines: list[bytes] = []
    for physical in data.split(CRLF):
        if physical.startswith((b" ", b"\t")) and lines:
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.decode("utf-8") for line in lines]


def lint(data: bytes, *, iana_only: bool = True) -> list[str]:
    """Every byte-level problem of an iCalendar feed; an empty list means clean."""
    problems: list[str] = []
    if not data.endswith(CRLF):
        problems.append("the last line does not end in CRLF")
    if b"\n" in data.replace(CRLF, b""):
        problems.append("a bare LF (or CR) outside CRLF")
    if b"\r" in data.replace(CRLF, b""):
        problems.append("a bare CR outside CRLF")
    for number, physical in enumerate(data.split(CRLF)[:-1], 1):
        if len(physical) > 75:
            problems.append(f"line {number} is {len(physical)} octets long (max 75)")
        try:
            physical.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number} is not UTF-8 on its own (a fold split a character)")
        if _CONTROL.search(physical.replace(b"\t", b"")) or re.search(
            "[\x80-\x9f]", physical.decode("utf-8", "replace")
        ):
            problems.append(f"line {number} holds a control character")
    try:
        lines = unfold(data)
    except UnicodeDecodeError:
        return [*problems, "not UTF-8"]
    stack: list[str] = []
    counts: dict[str, int] = {}
    declared: set[str] = set()
    used: set[str] = set()
    event_props: list[set[str]] = []
    for line in lines:
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        value = line.split(":", 1)[1] if ":" in line else ""
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                event_props.append(set())
            continue
        if name == "END":
            if not stack or stack[-1] != value:
                problems.append(f"END:{value} does not close {stack[-1] if stack else 'anything'}")
            else:
                stack.pop()
            continue
        if stack == ["VCALENDAR"]:
            counts[name] = counts.get(name, 0) + 1
        if stack and stack[-1] == "VEVENT":
            event_props[-1].add(name)
        if stack and stack[-1] == "VTIMEZONE" and name == "TZID":
            declared.add(value)
        for match in _TZID_PARAM.finditer(line.split(":", 1)[0] + ":"):
            used.add(match.group(1).strip('"'))
        if name in {"DTSTAMP", "LAST-MODIFIED", "CREATED"} and not value.endswith("Z"):
            problems.append(f"{name} is not in UTC: {value}")
        if name == "REFRESH-INTERVAL" and not line.startswith("REFRESH-INTERVAL;VALUE=DURATION:"):
            problems.append("REFRESH-INTERVAL lacks VALUE=DURATION (RFC 7986 §5.7)")
        if name == "X-PUBLISHED-TTL" and not re.fullmatch(r"-?P[0-9WDTHMS]+", value):
            problems.append(f"X-PUBLISHED-TTL is not a duration: {value}")
        if name == "METHOD" and value != "PUBLISH":
            problems.append(f"METHOD:{value} in a feed")
        if name == "STATUS" and value not in {"TENTATIVE", "CONFIRMED", "CANCELLED"}:
            problems.append(f"STATUS:{value} is not a VEVENT status")
    if stack:
        problems.append(f"unclosed components: {stack}")
    if counts.get("VERSION") != 1:
        problems.append("VERSION must appear exactly once")
    if counts.get("PRODID") != 1:
        problems.append("PRODID must appear exactly once")
    for tzid in sorted(used - declared):
        problems.append(f"TZID {tzid} is used but no VTIMEZONE declares it")
    if iana_only:
        for tzid in sorted(used):
            if not _IANA.match(tzid):
                problems.append(f"TZID {tzid} is not an IANA name")
    method = counts.get("METHOD", 0)
    for props in event_props:
        required = {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} | ({"ORGANIZER"} if method else set())
        missing = required - props
        if missing:
            problems.append(f"a VEVENT lacks {sorted(missing)}")
        if "DTEND" in props and "DURATION" in props:
            problems.append("a VEVENT has both DTEND and DURATION")
    return problems


# -- rows: what each VEVENT says, normalised -------------------------------------------------


@attrs.frozen(kw_only=True)
class Row:
    """A VEVENT's essentials: start and end (UTC ISO or a date), status, sequence, transparency."""

    start: str
    end: str | None
    status: str
    sequence: int
    transparent: bool


def _norm(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise AssertionError(f"floating date-time {value!r} in the feed")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _utc_iso(instant: dt.datetime) -> str:
    return to_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_row(item: ScheduleItem) -> Row | None:
    """The row the feed must hold for ``item``, computed from the model alone (None: absent)."""
    window = item.window
    status = item.status
    transparent = item.kind == "deadline"
    end: str | None
    if isinstance(window, Unscheduled):
        return None
    if isinstance(window, ExactWindow):
        start, end = _utc_iso(window.start), _utc_iso(window.end)
    elif isinstance(window, DayWindow):
        start, end = window.first.isoformat(), (window.last + dt.timedelta(days=1)).isoformat()
        transparent = transparent or (window.last - window.first).days + 1 > 7
    elif isinstance(window, MonthWindow):
        first = window.first.first_day()
        after = window.last.next().first_day()
        start, end = first.isoformat(), after.isoformat()
        transparent = True
        if status is ItemStatus.CONFIRMED:
            status = ItemStatus.TENTATIVE
    else:
        assert isinstance(window, Deadline)
        if window.rule is CutoffRule.AT_TIME:
            start, end = _utc_iso(window.cutoff()), None
        else:
            start = window.day.isoformat()
            end = (window.day + dt.timedelta(days=1)).isoformat()
    # A cancelled item blocks no time, whatever its kind (clients that ignore STATUS).
    transparent = transparent or status is ItemStatus.CANCELLED
    return Row(
        start=start,
        end=end,
        status=status.value.upper(),
        sequence=item.sequence,
        transparent=transparent,
    )


def expected_rows(items: Sequence[ScheduleItem]) -> dict[str, Row]:
    """Rows keyed by UID for every item the feed must hold."""
    rows = {}
    for item in items:
        row = expected_row(item)
        if row is not None:
            rows[item.uid] = row
    return rows


def parse_with_ical(data: bytes) -> dict[str, Row]:
    """Parse with allenporter's ``ical`` (strict pydantic model); duplicate UIDs fail."""
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    rows: dict[str, Row] = {}
    for event in calendar.events:
        assert event.uid not in rows, f"duplicate UID {event.uid}"
        assert event.uid is not None
        status = event.status.value if event.status is not None else "CONFIRMED"
        end = event.dtend if "dtend" in event.model_fields_set else None
        rows[event.uid] = Row(
            start=_norm(event.dtstart) or "",
            end=_norm(end),
            status=str(status),
            sequence=event.sequence or 0,
            transparent=str(getattr(event.transparency, "value", event.transparency))
            == "TRANSPARENT",
        )
    return rows


def parse_with_vobject(data: bytes) -> dict[str, Row]:
    """Parse with ``vobject.readOne(validate=True)`` and check what vobject does not."""
    import vobject
    import vobject.icalendar

    # vobject keeps every VTIMEZONE it saw in a process-wide map keyed by TZID; forget them
    # so this feed is read with its own rules, not those of a feed parsed before.
    vars(vobject.icalendar)["__tzidMap"].clear()
    calendar = vobject.readOne(data.decode("utf-8"), validate=True)
    rows: dict[str, Row] = {}
    for event in getattr(calendar, "vevent_list", []):
        uid = event.uid.value
        assert uid not in rows, f"duplicate UID {uid}"
        start = event.dtstart.value
        end = event.dtend.value if hasattr(event, "dtend") else None
        if end is not None:
            assert type(start) is type(end), f"{uid}: DTSTART and DTEND differ in value type"
            assert end > start, f"{uid}: DTEND is not after DTSTART"
        status = event.status.value if hasattr(event, "status") else "CONFIRMED"
        assert status in {"TENTATIVE", "CONFIRMED", "CANCELLED"}, status
        rows[uid] = Row(
            start=_norm(start) or "",
            end=_norm(end),
            status=status,
            sequence=int(event.sequence.value) if hasattr(event, "sequence") else 0,
            transparent=hasattr(event, "transp") and event.transp.value == "TRANSPARENT",
        )
    return rows


def rename_tzids(data: bytes, prefix: str = "X-CK-") -> bytes:
    """A copy in which every TZID is renamed to a name no time-zone database knows.

    Parsers then have to compute offsets from the VTIMEZONE rules in the file, which is
    what Outlook does; the instants must not change. Folded lines are unfolded first.
    """
    lines = unfold(data)
    out = []
    for line in lines:
        if line.startswith("TZID:"):
            line = f"TZID:{prefix}{line[5:].replace('/', '-')}"
        else:
            head, sep, value = line.partition(":")
            head = _TZID_PARAM.sub(
                lambda m: f";TZID={prefix}{m.group(1).strip(chr(34)).replace('/', '-')}", head
            )
            line = head + sep + value
        if not line.startswith("X-WR-TIMEZONE:"):
            out.append(line)
    return b"".join(fold(line) for line in out)


def fold(line: str) -> bytes:
    """One content line folded at 75 octets without splitting a UTF-8 sequence, with CRLF."""
    data = line.encode("utf-8")
    parts = []
    limit = 75
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # do not split a multi-byte character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(data)
    return b"\r\n ".join(parts) + b"\r\n"


def split_props(data: bytes, uid: str) -> dict[str, list[str]]:
    """The raw (unfolded) properties of the VEVENT with ``uid``: name -> full lines."""
    props: dict[str, list[str]] = {}
    current: list[str] = []
    inside = False
    for line in unfold(data):
        if line == "BEGIN:VEVENT":
            inside, current = True, []
        elif line == "END:VEVENT" and inside:
            inside = False
            if f"UID:{uid}" in current:
                for entry in current:
                    name = re.split(r"[;:]", entry, maxsplit=1)[0]
                    props.setdefault(name, []).append(entry)
                return props
        elif inside:
            current.append(line)
    raise KeyError(uid)


# -- a real CalDAV server --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@attrs.define
class RadicaleServer:
    """Radicale on loopback with ``auth none``: any user and password are accepted."""

    folder: Path
    port: int = attrs.field(factory=_free_port)
    user: str = "organiser"
    _process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--auth-type",
                "none",
                "--storage-filesystem-folder",
                str(self.folder),
                "--logging-level",
                "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"radicale exited: {self._process.stderr!r}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("radicale did not start within 20 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
            self._process = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP request with Basic auth; returns status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        token = base64.b64encode(f"{self.user}:secret".encode()).decode()
        try:
            connection.request(
                method, path, body=body, headers={"Authorization": f"Basic {token}", **headers}
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def make_calendar(self, name: str) -> str:
        """Create a calendar collection; returns its path."""
        path = f"/{self.user}/{name}/"
        status, _, body = self.request("MKCALENDAR", path)
        assert status == 201, (status, body)
        return path

    def time_range(self, path: str, start: dt.datetime, end: dt.datetime) -> set[str]:
        """UIDs of the events the server finds overlapping [start, end) (RFC 4791 §9.9)."""
        fmt = "%Y%m%dT%H%M%SZ"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{start.astimezone(dt.UTC):{fmt}}"'
            f' end="{end.astimezone(dt.UTC):{fmt}}"/>'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        ).encode()
        status, _, data = self.request(
            "REPORT", path, body, {"Depth": "1", "Content-Type": "application/xml"}
        )
        assert status == 207, (status, data)
        return set(re.findall(r"UID:([^\r\n]+)", data.decode("utf-8").replace("\r\n ", "")))


@contextlib.contextmanager
def radicale(folder: Path) -> Iterator[RadicaleServer]:
    """A running :class:`RadicaleServer` for the ``with`` block."""
    server = RadicaleServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def rows_equal(got: Mapping[str, Row], want: Mapping[str, Row]) -> list[str]:
    """Differences between two row tables, field by field; empty when equal."""
    problems = []
    for uid in sorted(set(got) | set(want)):
        if uid not in got:
            problems.append(f"{uid}: missing from the feed")
        elif uid not in want:
            problems.append(f"{uid}: in the feed but not in the model")
        elif got[uid] != want[uid]:
            a: Any = attrs.asdict(got[uid])
            b: Any = attrs.asdict(want[uid])
            diffs = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
            problems.append(f"{uid}: {diffs} (feed, model)")
    return problems
