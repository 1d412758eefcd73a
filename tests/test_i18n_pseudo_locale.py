"""A pseudo-locale finds every English word that escaped the catalogue.

The catalogue's template (``consultkit.pot``) is turned into a pseudo-translation: every
message accented letter by letter and wrapped, ``Deadline`` → ``⟦Ðéàðļíñé⟧``, placeholders
kept. With it standing in for Spanish, the WSIS example (Spanish texts) is run through
every command, the feed, the HTML page, the SVG and every e-mail; whatever is left in
plain ASCII letters must be the consultation's own data (its Spanish texts, ids, names,
addresses), a babel date or an abbreviation, never a word of consultkit's English messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import io
import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from click.testing import CliRunner
from icalendar import Calendar

import consultkit.i18n
from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.domain.submissions import SubmissionStatus, Verification
from consultkit.formats.submission_import import KNOWN_COLUMNS
from consultkit.i18n import LOCALE_DIR, messages
from consultkit.storage.records import DeliveryTarget
from consultkit.storage.sqlite import open_sqlite
from consultkit.testing.factories import T0

from .event_samples import EXAMPLE, one_of_each

if TYPE_CHECKING:
    from collections.abc import Iterator

PSEUDO_FOR = "es"
"""The language the pseudo-catalogue stands in for: the example's own (Spanish texts)."""

_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sr]")
_MARKS = ("\u0301", "\u0302", "\u030c", "\u0307", "\u0303", "\u0308", "\u0323", "\u0327")
_NO_ACCENT = {"q": "ʠ", "Q": "Ɋ"}  # no precomposed accented q exists


def _accented(letter: str) -> str:
    if letter in _NO_ACCENT:
        return _NO_ACCENT[letter]
    for mark in _MARKS:
        composed = unicodedata.normalize("NFC", letter + mark)
        if len(composed) == 1:
            return composed
    raise AssertionError(f"no accented form of {letter!r}")


_ACCENTS = {ord(c): _accented(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def pseudo(message: str) -> str:
    """``⟦Ŵôŕð⟧``: accented and wrapped, with its ``%(name)s`` placeholders untouched."""
    parts = _PLACEHOLDER.split(message)
    names = _PLACEHOLDER.findall(message)
    out = parts[0].translate(_ACCENTS)
    for name, part in zip(names, parts[1:], strict=True):
        out += name + part.translate(_ACCENTS)
    return f"⟦{out}⟧"


def _english_words() -> set[str]:
    with (LOCALE_DIR / "consultkit.pot").open("rb") as f:
        template = read_po(f)
    words: set[str] = set()
    for message in template:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            # Code in backticks, option names (`--email`) and capitals (CONFIG, API) are
            # identifiers and abbreviations the help texts name, not English words; example
            # addresses and links in a hint (ana@example.org) are not words either, as in
            # the output (escaped_english takes them out there too).
            text = re.sub(r"\S+@\S+|https?://\S+", " ", text)
            # An IANA zone named as an example (Asia/Tokyo) is a name, not English words.
            text = re.sub(r"\b[A-Z][a-z]+/[A-Za-z_]+", " ", text)
            prose = re.sub(r"`[^`]*`|(?<![\w-])--?[a-z][\w-]*", " ", _PLACEHOLDER.sub(" ", text))
            for word in re.findall(r"[A-Za-z]{3,}", prose):
                if not word.isupper():
                    words.add(word.lower())
    return words


@pytest.fixture(scope="module")
def pseudo_catalogue() -> Translations:
    with (LOCALE_DIR / "consultkit.pot").open("rb") as f:
        template = read_po(f)
    catalogue = Catalog(locale="en", domain="consultkit")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            text: Any = tuple(pseudo(m) for m in message.id)
        else:
            text = pseudo(message.id)
        catalogue.add(message.id, text, context=message.context, flags=message.flags)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain="consultkit")


@pytest.fixture
def speaks_pseudo(
    monkeypatch: pytest.MonkeyPatch, pseudo_catalogue: Translations
) -> Iterator[None]:
    """consultkit's catalogue for Spanish is the pseudo-catalogue while the test runs."""
    real = consultkit.i18n._load

    def load(language: str) -> Any:
        return pseudo_catalogue if language == PSEUDO_FOR else real(language)

    messages.cache_clear()
    monkeypatch.setattr(consultkit.i18n, "_load", load)
    yield
    messages.cache_clear()


def _data() -> tuple[set[str], set[str]]:
    """What the consultation file supplies: whole tokens (ids, links, zones) and text words.

    Translated texts count only in the language the reader gets; TOML keys are not shown.
    """
    data = tomllib.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    tokens: set[str] = set()
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value and set(value) <= {"ar", "zh", "en", "fr", "ru", "es"}:
                walk(value.get(PSEUDO_FOR, ""))
                return
            for key, item in value.items():
                names = [item] if isinstance(item, str) else item if isinstance(item, list) else []
                if (
                    key in ("id", "group", "groups", "calls", "ref")
                    and names
                    and all(isinstance(name, str) for name in names)
                ):
                    # Identifiers are shown as they are written (stats, listings).
                    tokens.update(names)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.strip():
            if any(c.isspace() for c in value.strip()):
                words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", value))
            elif not value.isalpha():
                tokens.add(value.strip())  # a link, a zone, an address; not a plain word

    walk(data)
    return tokens, words


def escaped_english(text: str) -> list[str]:
    """The words of consultkit's English messages in ``text`` outside a ``⟦…⟧`` message."""
    assert "⟦" in text, "nothing was translated: the pseudo-catalogue was not used"
    outside = re.sub(r"⟦[^⟧]*⟧", " ", text)
    outside = re.sub(r"\S+@\S+|https?://\S+|webcal://\S+|data:\S+", " ", outside)
    # An absolute path is the reader's data (pytest's temporary folders say "pytest").
    outside = re.sub(r"(?<!\w)/[^\s'\"]+", " ", outside)
    # Item references (``call:official-submissions``) and the status and verification ids
    # of the stats' id column are identifiers, written the same in every language.
    outside = re.sub(r"\b(?:phase|call|event):[\w-]+", " ", outside)
    # So are event kinds (``submission.received``), as notify status lists them.
    outside = re.sub(r"\b[a-z]+(?:\.[a-z_]+)+\b", " ", outside)
    ids = [*SubmissionStatus, *Verification]
    outside = re.sub(rf"(?<![\w-])(?:{'|'.join(map(re.escape, ids))})(?![\w-])", " ", outside)
    # A name with an underscore is an identifier (a plugin, the review solver), not a word.
    outside = re.sub(r"\b\w+_\w+\b", " ", outside)
    tokens, data = _data()
    for token in sorted(tokens, key=len, reverse=True):
        outside = re.sub(rf"(?<![\w-]){re.escape(token)}(?![\w-])", " ", outside)
    english = _english_words()
    found = []
    for word in re.findall(r"[A-Za-z]{3,}", outside):
        if word.isupper() or word.lower() in data:
            continue  # an abbreviation (UTC, CET), or the consultation's own words
        if word.lower() in english:
            found.append(word)
    return found


def _cli(*args: str, store: str | None = None) -> str:
    extra = ["--store", store] if store else []
    result = CliRunner().invoke(
        cli,
        ["--now", "2020-01-20T09:00:00Z", *args, *extra],
        env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def _submit(config: Path, store: str, *extra: str) -> str:
    """Ana's submission to the official call, through the command line."""
    return _cli(
        "submit",
        str(config),
        "--call",
        "official-submissions",
        "--group",
        "civil-society",
        "--name",
        "Ana Pérez",
        "--email",
        "ana@example.org",
        "--title",
        "Escuelas rurales",
        "--body",
        "Conectar las escuelas rurales.",
        *extra,
        store=store,
    )


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return " ".join(parser.parts)


def _route_to_ana(store: str) -> None:
    """Route the outbox to Ana's address and send nothing, so an erasure kills deliveries."""
    with open_sqlite(store) as opened:
        targets = [DeliveryTarget(channel="email", recipient="ana@example.org")]
        routes = [(event.id, targets) for event in opened.unrouted_events(100)]
        assert opened.route_events(routes, T0) > 0


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_command_speaks_only_the_catalogue(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    submitted = _submit(EXAMPLE, store)
    number = re.search(r"CK(?:-[0-9A-Z]{4}){4}", submitted)
    assert number is not None
    outputs = {
        "submit": submitted,
        "validate": _cli("validate", str(EXAMPLE)),
        "timeline": _cli("timeline", str(EXAMPLE)),
        "stats": _cli("stats", str(EXAMPLE), store=store),
        "submissions list": _cli("submissions", "list", str(EXAMPLE), store=store),
        "submissions show": _cli("submissions", "show", str(EXAMPLE), number.group(), store=store),
        "publish": _cli("publish", str(EXAMPLE), store=store),
        "history": _cli("history", str(EXAMPLE), store=store),
        "remind": _cli("remind", str(EXAMPLE), store=store),
        "notify status": _cli("notify", "status", "--show", "pending", store=store),
        "subscribers add": _cli("subscribers", "add", str(EXAMPLE), "sub@example.org", store=store),
        "subscribers list": _cli("subscribers", "list", str(EXAMPLE), store=store),
        "subscribers remove": _cli(
            "subscribers", "remove", str(EXAMPLE), "sub@example.org", store=store
        ),
        "campaigns": _cli("submissions", "campaigns", str(EXAMPLE), store=store),
        # (`plugins` is left out: its table is plugin, hook and format names, identifiers.)
    }
    _route_to_ana(store)
    outputs["erase"] = _cli(
        "submissions", "erase", str(EXAMPLE), "--email", "ana@example.org", "--yes", store=store
    )
    # The deliveries to the erased address are dead, and say why in the reader's words.
    outputs["notify status dead"] = _cli("notify", "status", "--show", "dead", store=store)
    leaks = {name: escaped_english(text) for name, text in outputs.items()}
    assert leaks == {name: [] for name in outputs}


@pytest.mark.parametrize("locale", ["fr_FR.UTF-8", "ar_EG.UTF-8"])
def test_an_erasures_dead_deliveries_say_why_in_the_readers_language(
    locale: str, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    _submit(EXAMPLE, store)
    _route_to_ana(store)
    _cli("submissions", "erase", str(EXAMPLE), "--email", "ana@example.org", "--yes", store=store)
    status = CliRunner().invoke(
        cli,
        ["notify", "status", "--show", "dead", "--store", store],
        env={"LANG": locale, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
        catch_exceptions=False,
    )
    words = messages(locale)
    assert status.exit_code == 0, status.output
    assert words.gettext("recipient erased") in status.output
    assert words.gettext("(erased)") in status.output
    assert "erased" not in status.output


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_report_the_tokens_and_an_edit_speak_only_the_catalogue(tmp_path: Path) -> None:
    # The example as published, with its first call open to edits (`editable = true`).
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    config = tmp_path / "consultation.toml"
    config.write_text(
        text.replace(
            'id = "official-submissions"\n', 'id = "official-submissions"\neditable = true\n', 1
        ),
        encoding="utf-8",
    )
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    submitted = _submit(config, store, "--country", "ES")
    number = re.search(r"CK(?:-[0-9A-Z]{4}){4}", submitted)
    assert number is not None
    created = _cli("tokens", "create", str(config), "equipo", store=store)
    outputs = {
        "submissions edit": _cli(
            "submissions",
            "edit",
            str(config),
            number.group(),
            "--email",
            "ana@example.org",
            "--title",
            "Escuelas rurales conectadas",
            store=store,
        ),
        "submissions show": _cli("submissions", "show", str(config), number.group(), store=store),
        "stats": _cli("stats", str(config), store=store),
        "report": _cli("report", str(config), "--format", "md", store=store),
        # The token itself is random letters: an English word could appear in it by chance.
        "tokens create": re.sub(r"ckt_\S+", " ", created),
        "tokens list": _cli("tokens", "list", str(config), store=store),
    }
    leaks = {name: escaped_english(text) for name, text in outputs.items()}
    assert leaks == {name: [] for name in outputs}


def _descriptions(value: Any) -> list[str]:
    """Every ``title`` and ``description`` in a JSON document (its other values are data)."""
    if isinstance(value, dict):
        found = [
            v for k, v in value.items() if k in ("title", "description") and isinstance(v, str)
        ]
        return found + [text for v in value.values() for text in _descriptions(v)]
    if isinstance(value, list):
        return [text for v in value for text in _descriptions(v)]
    return []


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_data_package_speaks_only_the_catalogue(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    _submit(EXAMPLE, store)
    folder = tmp_path / "package"
    _cli("report", str(EXAMPLE), "--data-package", str(folder), "--format", "md", store=store)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = json.loads((folder / "submissions.schema.json").read_text(encoding="utf-8"))
    card = (folder / "datacard.md").read_text(encoding="utf-8")
    # Column names (`text_withheld`) and Table Schema types are identifiers, not words.
    card = re.sub(r"`[^`]*`|\| (?:string|datetime|boolean) \|", " ", card)
    leaks = {
        "datapackage.json": escaped_english(" ".join(_descriptions(descriptor))),
        "submissions.schema.json": escaped_english(" ".join(_descriptions(schema))),
        "datacard.md": escaped_english(card),
    }
    assert leaks == {"datapackage.json": [], "submissions.schema.json": [], "datacard.md": []}


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_review_commands_speak_only_the_catalogue(tmp_path: Path) -> None:
    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import FixedClock

    from .test_review_wsis_e2e import DECIDING, RECEIVED, REVIEWING, request, reviewers_file

    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        assert app.import_submissions(consultation, [request(n) for n in range(10)]).stored == 10
    pool = str(reviewers_file(tmp_path / "reviewers.toml"))
    screening = "workshop-requests/screening"

    def review(*args: str, now: str = REVIEWING) -> str:
        result = CliRunner().invoke(
            cli,
            ["--now", now, "review", *args, "--store", store],
            env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output

    config = str(EXAMPLE)
    outputs = {
        "assign": review(
            "assign", config, screening, "--reviewers", pool, "--organiser", "gitanjali"
        )
    }
    with Consultkit.open(store, entry_points=False) as app:
        given = [
            (app.store.get_submission(a.submission_id), a.reviewer_id)
            for a in app.store.review_assignments(consultation.id, screening)
        ]
    (first, reviewer), (second, other) = given[0], given[1]
    assert first is not None and second is not None
    outputs["score"] = review(
        "score", config, screening, first.tracking_number, "--reviewer", reviewer, "--pass"
    )
    outputs["abstain"] = review(
        "score", config, screening, second.tracking_number, "--reviewer", other, "--abstain"
    )
    outputs["status"] = review("status", config, screening)
    mine = review("status", config, screening, "--reviewer", reviewer)
    # The submitters' own words (titles and names) are not consultkit's.
    outputs["status --reviewer"] = re.sub(
        r"Workshop \d+: digital inclusion|Organis(?:er|ation) \d+", " ", mine
    )
    outputs["decide"] = review(
        "decide",
        config,
        first.tracking_number,
        "--decision",
        "accepted",
        "--organiser",
        "gitanjali",
        now=DECIDING,
    )
    leaks = {name: escaped_english(text) for name, text in outputs.items()}
    assert leaks == {name: [] for name in outputs}


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_ranking_and_its_explanations_speak_only_the_catalogue(tmp_path: Path) -> None:
    from consultkit.app.application import Consultkit
    from consultkit.config.reviewers import load_reviewers
    from consultkit.domain.clock import FixedClock, parse_instant

    from .test_review_wsis_e2e import RECEIVED, REVIEWING, request, reviewers_file

    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    consultation = load_consultation(EXAMPLE)
    pool = load_reviewers(reviewers_file(tmp_path / "reviewers.toml"), consultation)
    screening, scoring = "workshop-requests/screening", "workshop-requests/scoring"
    (rubric,) = [r for r in consultation.call("workshop-requests").review.rounds if r.criteria]
    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        app.import_submissions(consultation, [request(n) for n in range(8)])
    with Consultkit.open(
        store, clock=FixedClock(parse_instant(REVIEWING)), entry_points=False
    ) as app:
        app.assign_reviewers(consultation, screening, pool, organiser="gitanjali")
        for a in app.store.review_assignments(consultation.id, screening):
            number = app.store.get_submission(a.submission_id).tracking_number  # type: ignore[union-attr]
            app.score(consultation, screening, number, reviewer=a.reviewer_id, passed=True)
        app.assign_reviewers(consultation, scoring, pool, organiser="gitanjali")
        given = list(app.store.review_assignments(consultation.id, scoring))
        reviewers = sorted({a.reviewer_id for a in given})
        for n, a in enumerate(given):
            number = app.store.get_submission(a.submission_id).tracking_number  # type: ignore[union-attr]
            if n == 0:  # an abstention, left out and counted
                app.score(consultation, scoring, number, reviewer=a.reviewer_id, abstain=True)
                continue
            # Each reviewer gives one mark, alternate reviewers one apart: a submission's
            # score then depends only on how many of its two or three reviews are high,
            # seven outcomes for eight submissions, so two tie and a tie-break is explained
            # whichever reviewers the (random) tracking numbers bring (marking by the
            # assignment's position left no tie in some runs).
            high = reviewers.index(a.reviewer_id) % 2
            mark = {c.id: c.min + high for c in rubric.criteria}
            app.score(consultation, scoring, number, reviewer=a.reviewer_id, scores=mark)

    def rank(fmt: str) -> str:
        return _cli(
            "--now",
            REVIEWING,
            "review",
            "rank",
            str(EXAMPLE),
            scoring,
            "--format",
            fmt,
            store=store,
        )

    table = rank("text")
    rows = json.loads(rank("json"))["rows"]
    explained = " ".join(row["explanation"] for row in rows)
    csv_explained = " ".join(r["explanation"] for r in csv.DictReader(io.StringIO(rank("csv"))))
    # Reviewer ids (`r03`) and the method (`z-per-reviewer`) are identifiers.
    ids = r"\b(?:r\d+|z-per-reviewer|pool-z|z)\b"
    leaks = {
        name: escaped_english(re.sub(ids, " ", text))
        for name, text in {"text": table, "json": explained, "csv": csv_explained}.items()
    }
    assert leaks == {"text": [], "json": [], "csv": []}
    assert any(row["tie_break"] for row in rows) and any(row["abstentions"] for row in rows)
    # For programs, the explanation's parts are values, the same in every language.
    assert {"reviewer", "raw", "normalisation", "normalised", "weight"} == set(rows[0]["scores"][0])


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand of ``consultkit``, the plugins' included, by its path."""
    import click

    paths: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            paths.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(cli, ())
    return paths


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_help_of_every_command_speaks_only_the_catalogue() -> None:
    paths = _command_paths()
    names = {name for path in paths for name in path}
    leaks = {}
    for path in paths:
        text = (
            CliRunner()
            .invoke(
                cli,
                [*path, "--help"],
                env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
                catch_exceptions=False,
            )
            .output
        )
        # Option names, metavars, choices and command names are what one types, not words.
        text = re.sub(r"(?<![\w⟧])--?[\w-]+|\[[\w|-]+\]|\bconsultkit\b", " ", text)
        for name in sorted(names, key=len, reverse=True):
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
        leaks[" ".join(path) or "consultkit"] = escaped_english(text)
    assert leaks == {name: [] for name in leaks}


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_feed_the_page_and_the_picture_speak_only_the_catalogue(tmp_path: Path) -> None:
    written = {}
    for fmt in ("ics", "html", "svg"):
        path = tmp_path / f"wsis.{fmt}"
        _cli("calendar", str(EXAMPLE), "--lang", PSEUDO_FOR, f"--format={fmt}", f"--output={path}")
        written[fmt] = path.read_text(encoding="utf-8")
    feed = Calendar.from_ical(written["ics"])
    feed_text = " ".join(
        str(component.get(name, ""))
        for component in feed.walk()
        for name in ("X-WR-CALNAME", "X-WR-CALDESC", "SUMMARY", "DESCRIPTION", "CATEGORIES")
    )
    alarms = " ".join(str(a.get("DESCRIPTION", "")) for a in feed.walk("VALARM"))
    leaks = {
        "feed": escaped_english(feed_text + " " + alarms),
        "page": escaped_english(visible_text(written["html"])),
        "picture": escaped_english(visible_text(written["svg"])),
    }
    assert leaks == {"feed": [], "page": [], "picture": []}


@pytest.mark.usefixtures("speaks_pseudo")
@pytest.mark.parametrize("recipient", ["person1@example.org", "wsis-info@itu.int"])
def test_every_email_speaks_only_the_catalogue(recipient: str) -> None:
    render = pytest.importorskip("consultkit_smtp.render")
    from consultkit.testing.factories import make_delivery

    consultation = load_consultation(EXAMPLE)
    for kind, event in one_of_each(consultation).items():
        delivery = make_delivery(event, recipient=recipient, language=PSEUDO_FOR)
        message = render.render_message(delivery)
        text = f"{message.subject}\n{message.text}\n{visible_text(message.html)}"
        assert escaped_english(text) == [], kind


@pytest.mark.usefixtures("speaks_pseudo")
def test_a_reviewers_reminder_speaks_only_the_catalogue() -> None:
    # The WSIS example's rounds are unscheduled: give the scoring round a week to remind of.

    import attrs
    import pendulum

    from consultkit.domain.model import Reminder, ReminderEdge
    from consultkit.domain.reminders import due_reminders
    from consultkit.domain.windows import ExactWindow
    from consultkit.events import ReminderDue, ReviewerWork
    from consultkit.testing.factories import make_delivery

    render = pytest.importorskip("consultkit_smtp.render")
    c = load_consultation(EXAMPLE)
    call = c.call("workshop-requests")
    zone = "Europe/Zurich"
    week = ExactWindow(
        start=pendulum.datetime(2020, 2, 11, 9, tz=zone),
        end=pendulum.datetime(2020, 2, 18, 18, tz=zone),
        zone=zone,
    )
    rounds = tuple(
        attrs.evolve(r, window=week) if r.id == "scoring" else r for r in call.review.rounds
    )
    call = attrs.evolve(call, review=attrs.evolve(call.review, rounds=rounds))
    reminder = Reminder(
        id="scoring-closes",
        anchor="review:workshop-requests/scoring",
        edge=ReminderEdge.END,
        before=(dt.timedelta(days=1),),
        audience=("reviewers",),
    )
    c = attrs.evolve(
        c,
        calls=tuple(call if k.id == call.id else k for k in c.calls),
        reminders=(reminder,),
    )
    [due] = due_reminders(c, dt.datetime(2020, 2, 18, 9, tzinfo=dt.UTC))
    for open_ in (1, 3):
        work = ReviewerWork(reviewer_id="r01", assigned=5, open=open_, language=PSEUDO_FOR)
        event = ReminderDue.of(c, due, work)
        message = render.render_message(make_delivery(event, language=PSEUDO_FOR))
        text = f"{message.subject}\n{message.text}\n{visible_text(message.html)}"
        assert escaped_english(text) == [], open_


def test_the_pseudo_locale_would_see_a_leak() -> None:
    assert escaped_english("⟦Ŵôŕð⟧ time left 3 days") == ["time", "left", "days"]


def _refused(*args: str, now: str = "2020-01-20T09:00:00Z") -> str:
    """What the command line prints when it refuses: a non-zero exit and an ``error:`` line."""
    result = CliRunner().invoke(
        cli,
        ["--now", now, *args],
        env={
            "LANG": "es_ES.UTF-8",
            "LC_ALL": "",
            "LC_MESSAGES": "",
            "COLUMNS": "1000",
            "CONSULTKIT_SECRET": "a secret of more than sixteen characters",
        },
        catch_exceptions=False,
    )
    assert result.exit_code != 0, result.output
    return result.output


def _link_of_nobody() -> str:
    """A genuine confirmation token (the secret _refused gives) naming no submission."""
    from consultkit.app.confirmation import ConfirmationSigner

    signer = ConfirmationSigner(secret="a secret of more than sixteen characters")
    return signer.token("no-such-submission", dt.datetime(2020, 1, 20, 9, tzinfo=dt.UTC))


@pytest.mark.parametrize("locale", ["fr_FR.UTF-8", "ar_EG.UTF-8"])
def test_a_refused_reference_and_link_are_in_the_readers_language(
    locale: str, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    env = {"LANG": locale, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"}
    env["CONSULTKIT_SECRET"] = "a secret of more than sixteen characters"
    runs = {
        "unknown submission": ["submissions", "show", str(EXAMPLE), "CK-AAAA-BBBB-CCCC-DDDD"],
        "link of no submission": ["submissions", "confirm", str(EXAMPLE), _link_of_nobody()],
    }
    words = messages(locale)
    consultation = repr(load_consultation(EXAMPLE).id)
    expected = {
        "unknown submission": words.gettext(
            "no submission %(reference)r in consultation %(consultation)r: give the"
            " tracking number from the receipt (CK-XXXX-XXXX-XXXX-XXXX) or the id",
            reference="CK-AAAA-BBBB-CCCC-DDDD",
            consultation=load_consultation(EXAMPLE).id,
        ),
        "link of no submission": words.gettext(
            "this confirmation link names no submission of %(consultation)r that can"
            " still be confirmed",
            consultation=load_consultation(EXAMPLE).id,
        ),
    }
    for name, args in runs.items():
        result = CliRunner().invoke(
            cli, ["--now", "2020-01-20T09:00:00Z", *args, "--store", store], env=env
        )
        assert result.exit_code != 0
        said = " ".join(result.output.split())
        assert " ".join(expected[name].split()) in said, name
        assert consultation in said
        assert "submission" not in said, name


def _refusal_config(tmp_path: Path) -> Path:
    """The example with the official call open to civil society only, one submission per
    address, and the screening round open in February 2020."""
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    text = text.replace(
        'id = "official-submissions"\n',
        'id = "official-submissions"\ngroups = ["civil-society"]\nquota = { per_email = 1 }\n',
        1,
    )
    text = text.replace(
        'window = { kind = "unscheduled" }\nper_submission = 2\n',
        'window = { kind = "exact", start = 2020-02-10T00:00:00, end = 2020-02-14T00:00:00 }\n'
        "per_submission = 2\n",
        1,
    )
    config = tmp_path / "consultation.toml"
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_refusal_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: the error: lines and the domain's refusals are the reader's words too.
    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import FixedClock
    from consultkit.domain.submission_rules import call_times

    from .test_review_wsis_e2e import RECEIVED, request, reviewers_file

    config = _refusal_config(tmp_path)
    consultation = load_consultation(config)
    closes = call_times(consultation, consultation.call("official-submissions")).closes
    assert closes is not None
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    submitted = _submit(config, store)
    number = re.search(r"CK(?:-[0-9A-Z]{4}){4}", submitted)
    assert number is not None
    ana = [
        "submit", str(config), "--call", "official-submissions", "--name", "Ana Pérez",
        "--email", "ana@example.org", "--title", "Escuelas rurales", "--body", "Texto.",
        "--store", store,
    ]  # fmt: skip
    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        assert app.import_submissions(consultation, [request(n) for n in range(4)]).stored == 4
    one_reviewer = tmp_path / "reviewers.toml"
    one_reviewer.write_text(
        '[[reviewers]]\nid = "r01"\nname = "Reviewer 1"\nemail = "r1@example.net"\n'
        'group = "civil-society"\n',
        encoding="utf-8",
    )
    withdraw = ["submissions", "withdraw", str(config), number.group()]
    outputs = {
        "call closed at the last second": _refused(
            *ana, "--group", "civil-society", now=closes.isoformat()
        ),
        "group not eligible": _refused(*ana, "--group", "governments"),
        "unknown group": _refused(*ana, "--group", "nobody"),
        "quota": _refused(*ana, "--group", "civil-society"),
        "unknown submission": _refused(
            "submissions", "show", str(config), "CK-AAAA-BBBB-CCCC-DDDD", "--store", store
        ),
        "bad confirmation link": _refused(
            "submissions", "confirm", str(config), "https://example.org/c/forged", "--store", store
        ),
        "link of no submission": _refused(
            "submissions", "confirm", str(config), _link_of_nobody(), "--store", store
        ),
        "assignment refused": _refused(
            "review",
            "assign",
            str(config),
            "workshop-requests/screening",
            "--reviewers",
            str(one_reviewer),
            "--organiser",
            "gitanjali",
            "--store",
            store,
        ),
        "store cannot be opened": _refused(
            "submissions", "list", str(config), "--store", f"sqlite:///{tmp_path}/no/ck.sqlite"
        ),
    }
    screening = "workshop-requests/screening"
    pool = str(reviewers_file(tmp_path / "pool.toml"))
    assign = ["review", "assign", str(config), screening, "--reviewers", pool]
    _cli(*assign, "--organiser", "gitanjali", store=store)
    with Consultkit.open(store, entry_points=False) as app:
        given = app.store.review_assignments(consultation.id, screening)[0]
        scored = app.store.get_submission(given.submission_id)
    assert scored is not None
    outputs["review window"] = _refused(
        "review", "score", str(config), screening, scored.tracking_number,
        "--reviewer", given.reviewer_id, "--pass", "--store", store,
        now="2020-02-20T09:00:00Z",
    )  # fmt: skip
    _cli(*withdraw, "--email", "ana@example.org", store=store)
    outputs["lifecycle transition refused"] = _refused(
        *withdraw, "--email", "ana@example.org", "--store", store
    )
    for name, text in outputs.items():
        assert text.startswith("⟦"), f"{name}: {text}"  # the error: prefix too
    rule_of = {
        "call closed at the last second": "call-closed",
        "group not eligible": "group-not-eligible",
        "unknown group": "unknown-group",
        "quota": "quota",
        "bad confirmation link": "confirmation-link",
        "link of no submission": "confirmation-link",
        "assignment refused": "assignment",
        "review window": "review-window",
        "lifecycle transition refused": "transition",
    }
    for name, rule in rule_of.items():
        assert f": {rule}]⟧" in outputs[name], f"{name}: {outputs[name]}"
    # A refusal names its rule (`[rule: call-closed]`) and an assignment its constraint
    # (`per-submission: …`): ids, the same in every language, as is the store's URL.
    rules = re.compile(r"(?<=: )[a-z][a-z -]*(?=\]⟧)|\b[a-z]+(?:-[a-z]+)+(?=: )|sqlite:\S+")
    # The error: prefix wraps the whole refusal: every letter inside must be accented too.
    leaks = {
        name: escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", rules.sub(" ", text)))
        for name, text in outputs.items()
    }
    assert leaks == {name: [] for name in outputs}


def _config_inputs() -> dict[str, str]:
    """Every broken file of the organiser's guide, and more from the loader's own tests."""
    from . import test_config_errors as bad
    from .test_docs_organisers import BROKEN

    more = {
        "end before start": bad.phase(
            '{ kind = "exact", start = 2019-06-04T17:00:00, end = 2019-06-04T16:00:00 }'
        ),
        "unknown kind type": bad.phase("{ kind = 3 }"),
        "no kind": bad.phase("{ }"),
        "months": bad.phase('{ kind = "months", first = "2020-01", last = "2020-13" }'),
        "window key": bad.phase('{ kind = "unscheduled", first = 1 }'),
        "at-time": bad.phase('{ kind = "deadline", day = 2020-02-03, rule = "at-time" }'),
        "deadline type": bad.call("3"),
        "deadline kind": bad.call('{ kind = "days", day = 2020-02-03 }'),
        "key twice": bad.HEAD.replace('id = "c"\n', 'id = "c"\nid = "d"\n'),
        "contact string": bad.HEAD.replace('id = "c"\n', 'id = "c"\ncontact = "Gitanjali Sah"\n'),
        "many": 'extra = 1\nissued = "2019-05-31"\n'
        + bad.HEAD.replace("Europe/Zurich", "Mars/Olympus").replace(
            'languages = ["en"]', 'languages = "en"'
        ),
        "missing fields": 'id = "c"\n',
        "legacy zone": bad.HEAD.replace("Europe/Zurich", "US/Eastern"),
    }
    return {**{f"guide: {name}": text for name, text in BROKEN.items()}, **more}


CONFIG_INPUTS = _config_inputs()


def _explanations(stderr: str) -> str:
    """``stderr`` without what is not consultkit's words: the location and the file's values.

    Each line is ``error: FILE:LINE: field.path: message (hint)``; ``error: …`` is itself a
    message, so its pseudo form is taken off around the problem before the location is.
    """
    before, after = pseudo("error: %(problem)s").split("%(problem)s")
    kept = []
    for line in stderr.splitlines():
        assert line.startswith(before) and line.endswith(after), line
        problem = line.removeprefix(before).removesuffix(after)
        # FILE[:LINE]: [field.path: ] then the message, which starts with ⟦ or a value.
        problem = re.sub(r"^\S+?\.toml(?::\d+)?: (?:[A-Za-z_][\w.\[\]-]*: )?", "", problem)
        kept.append(problem)
    text = "\n".join(kept)
    # The file's own values are shown as Python writes them ('titel', 'Zurich').
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", " ", text)
    # ... and other places of the file by their field path ("also phases[0]").
    return re.sub(r"\b[a-z_]+\[\d+\][\w.\[\]]*", " ", text)


@pytest.mark.usefixtures("speaks_pseudo")
@pytest.mark.parametrize("name", sorted(CONFIG_INPUTS))
def test_every_configuration_error_speaks_only_the_catalogue(name: str, tmp_path: Path) -> None:
    config = tmp_path / "consultation.toml"
    config.write_text(CONFIG_INPUTS[name], encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["validate", str(config)],
        env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
        catch_exceptions=False,
    )
    assert result.exit_code == 2, result.output
    assert escaped_english(_explanations(result.stderr)) == []


@pytest.mark.usefixtures("speaks_pseudo")
def test_a_field_refusal_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: the reason a submitted field value is refused is the reader's words too.
    config = _refusal_config(tmp_path)
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    text = _refused(
        "submit", str(config), "--call", "workshop-requests", "--group", "civil-society",
        "--name", "Ana Pérez", "--email", "ana@example.org", "--title", "Escuelas rurales",
        "--body", "Texto.", "--field", "format=debate", "--field", "sdgs=SDG18",
        "--field", "nope=1", "--store", store,
    )  # fmt: skip
    assert text.startswith("⟦"), text
    assert "'debate'" in text and "'SDG18'" in text and "'nope'" in text, text
    # Field keys, option values and the rule's id are names, the same in every language.
    names = re.compile(r"'[^']*'|(?<=: )[a-z][a-z -]*(?=\]⟧)|\b[a-z_]+(?=[,)])")
    assert escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", names.sub(" ", text))) == [], text


def _said(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    """What the command line prints on stderr for ``args``, in the pseudo-locale."""
    result = CliRunner().invoke(
        cli,
        list(args),
        input=stdin,
        env={
            "LANG": "es_ES.UTF-8",
            "LC_ALL": "",
            "LC_MESSAGES": "",
            "COLUMNS": "1000",
            **(env or {}),
        },
        catch_exceptions=False,
    )
    return result.stderr


def _words_only(text: str) -> str:
    """``text`` without what is the reader's own or a name: quoted values (a file's cells,
    an option's choices, a path), options, zone names; every bracket taken off, so a word
    outside a message, even between two nested ones, is seen."""
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", " ", text)
    text = re.sub(r"(?<![\w-])--[a-z][\w-]*|\b[A-Z][a-z]+/[A-Za-z_]+", " ", text)
    return "⟦⟧ " + re.sub("[⟦⟧]", " ", text)


def _usage_error(text: str) -> str:
    """The error line of a usage error: the usage line above it names the command."""
    return text.strip().splitlines()[-1]


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_refusal_of_an_options_value_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: timeline's --at/--tz/--lang, --now, and click's complaints about a value
    # (a choice, a number, a range, a file) inside an otherwise translated usage error.
    timeline = ["timeline", str(EXAMPLE)]
    missing = str(tmp_path / "absent.toml")
    body = ["submit", str(EXAMPLE), "--call", "official-submissions", "--group", "civil-society"]
    body += ["--name", "Ana", "--email", "ana@example.org", "--title", "T"]
    refusals = {
        "unknown zone": _said(*timeline, "--tz", "Mars/Olympus"),
        "misspelt zone": _said(*timeline, "--tz", "Europe/Geneva"),
        "legacy zone": _said(*timeline, "--tz", "CET"),
        "offset as a zone": _said(*timeline, "--tz", "+01:00"),
        "not an instant": _said(*timeline, "--at", "nope"),
        "no offset": _said(*timeline, "--at", "2020-01-01"),
        "out of range": _said(*timeline, "--at", "0001-01-01T00:00:00+01:00"),
        "unknown language": _said(*timeline, "--lang", "xx-zz"),
        "--now": _usage_error(_said("--now", "nope", *timeline)),
        "choice": _usage_error(_said(*timeline, "--format", "xml")),
        "whole number": _usage_error(
            _said("submissions", "import", str(EXAMPLE), str(EXAMPLE), "--chunk-size", "x")
        ),
        "range": _usage_error(
            _said("submissions", "import", str(EXAMPLE), str(EXAMPLE), "--chunk-size", "0")
        ),
        "no such file": _usage_error(_said("submissions", "import", str(EXAMPLE), missing)),
        "a directory": _usage_error(_said("submissions", "import", str(tmp_path), str(EXAMPLE))),
        "file cannot be opened": _usage_error(_said(*body, "--body-file", missing)),
    }
    assert all("⟦" in text for text in refusals.values()), refusals
    leaks = {name: escaped_english(_words_only(text)) for name, text in refusals.items()}
    assert leaks == {name: [] for name in refusals}


def _import(tmp_path: Path, name: str, content: str) -> str:
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    return _said("submissions", "import", str(EXAMPLE), str(data), "--store", store)


@pytest.mark.usefixtures("speaks_pseudo")
def test_an_imports_problems_speak_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: the header's, the file's and the rows' problems of `submissions import`.
    header = "call_id,group,submitter_name,submitter_email,title,body"
    row = "official-submissions,civil-society,Ana,ana@example.org,T,B"
    problems = {
        "missing column": _import(tmp_path, "a.csv", "call_id,title\r\n"),
        "unknown column": _import(tmp_path, "b.csv", f"{header},emial\r\n"),
        "column twice": _import(tmp_path, "c.csv", f"{header},title\r\n"),
        "empty file": _import(tmp_path, "d.csv", ""),
        "rows": _import(
            tmp_path,
            "e.csv",
            f"{header},consent_publish_text,received_at,consultation_id\r\n"
            f"{row},maybe,2019-07-01T10:00:00,other\r\n{row}\r\n"
            ",civil-society,Ana,ana@example.org,T,B,,,\r\n",
        ),
        "refused rows": _import(
            tmp_path,
            "g.csv",
            f"{header},tracking_number\r\n{row},CK-0000-0000-0000-0000\r\n{row},CK-1\r\n"
            "nope,civil-society,Ana,ana@example.org,T,B,\r\n",
        ),
        "json lines": _import(
            tmp_path,
            "f.jsonl",
            '{"call_id": 1\n[1]\n{"nope": 1}\n{"call_id": "x", "title": ["T"]}\n',
        ),
    }
    assert all(text.startswith("⟦") for text in problems.values()), problems
    # Each line is located (FILE:LINE: column:), then the message; columns are names.
    located = re.compile(r"\S+\.(?:csv|jsonl):\d+: (?:[a-z_-]+: )?")
    columns = re.compile(rf"(?<![\w-])(?:{'|'.join(KNOWN_COLUMNS)})(?![\w-])")
    leaks = {
        name: escaped_english(_words_only(columns.sub(" ", located.sub(" ", text))))
        for name, text in problems.items()
    }
    assert leaks == {name: [] for name in problems}


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_plugins_warnings_speak_only_the_catalogue() -> None:
    # Issue 11: a misspelt CONSULTKIT_DISABLE_PLUGINS name is warned about in the reader's words.
    warned = _said("plugins", env={"CONSULTKIT_DISABLE_PLUGINS": "log_notifer"})
    listing = json.loads(CliRunner().invoke(cli, ["plugins", "--format", "json"]).stdout)
    assert warned.startswith("⟦"), warned
    names = "|".join(re.escape(p["name"]) for p in listing["plugins"])
    text = re.sub(rf"(?<![\w-])(?:{names})(?![\w-])", " ", warned)
    assert escaped_english(_words_only(text)) == []


@pytest.mark.usefixtures("speaks_pseudo")
def test_new_plugins_words_speak_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: what `new-plugin` says it made, and why it refuses a name or a hook.
    made = CliRunner().invoke(
        cli,
        ["new-plugin", "matrix", "--directory", str(tmp_path / "out")],
        env={"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""},
        catch_exceptions=False,
    )
    assert made.exit_code == 0, made.output
    said = {
        "made": "\n".join(made.stdout.splitlines()[:2]),
        "bad name": _said("new-plugin", "Matrix!", "--directory", str(tmp_path / "x")),
        "not empty": _said("new-plugin", "matrix", "--directory", str(tmp_path / "out")),
    }
    assert all("⟦" in text for text in said.values()), said
    names = re.compile(r"\bconsultkit-matrix\b|\bmatrix\b|\bno-http\b")
    leaks = {name: escaped_english(_words_only(names.sub(" ", t))) for name, t in said.items()}
    assert leaks == {name: [] for name in said}


_MORE_FIELDS = {
    # key: (kind, its labels in es|en|fr|ru|ar|zh, more of its declaration)
    "host_country": ("country", "País|Country|Pays|Страна|البلد|国家", ""),
    "region": ("un-region", "Región|Region|Région|Регион|المنطقة|区域", ""),
    "online": ("yes-no", "En línea|Online|En ligne|Онлайн|عن بعد|线上", ""),
    "seats": ("number", "Plazas|Seats|Places|Места|المقاعد|座位", ""),
    # At most 2,000 bytes, so that a small file is already too big.
    "paper": (
        "file",
        "Documento|Paper|Document|Файл|وثيقة|文件",
        'types = ["pdf", "docx"]\nmax_bytes = 2_000\n',
    ),
}


def _more_fields() -> str:
    """``[[calls.fields]]`` of :data:`_MORE_FIELDS`, labelled in the six languages."""
    tables = []
    for key, (kind, names, more) in _MORE_FIELDS.items():
        labels = ", ".join(
            f'{language} = "{name}"'
            for language, name in zip(
                ("es", "en", "fr", "ru", "ar", "zh"), names.split("|"), strict=True
            )
        )
        tables.append(
            f'[[calls.fields]]\nkey = "{key}"\nkind = "{kind}"\nlabel = {{ {labels} }}\n{more}'
        )
    return "\n".join(tables)


def _fields_config(tmp_path: Path) -> Path:
    """The refusal example whose workshop requests also take a country, a UN region, a
    yes/no, a number and a PDF or Word file of at most 2,000 bytes."""
    config = _refusal_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        '[[calls.fields]]\nkey = "sdgs"\n', f'{_more_fields()}\n[[calls.fields]]\nkey = "sdgs"\n', 1
    )
    config.write_text(text, encoding="utf-8")
    return config


def _said_in(lang: str, *args: str) -> str:
    """What the command line prints when it refuses ``args`` in the locale ``lang``."""
    result = CliRunner().invoke(
        cli,
        ["--now", "2020-01-20T09:00:00Z", *args],
        env={"LANG": f"{lang}.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
        catch_exceptions=False,
    )
    assert result.exit_code != 0, result.output
    return result.output


def _field_refusals(tmp_path: Path, lang: str) -> dict[str, str]:
    """Every kind of field and tag refusal the command line can meet, printed in ``lang``."""
    config = _fields_config(tmp_path)
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    fake = tmp_path / "informe.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    large = tmp_path / "grande.pdf"
    large.write_bytes(b"%PDF-1.4\n" + b"0" * 20_000)
    notes = tmp_path / "notas.txt"
    notes.write_text("Notas.", encoding="utf-8")
    ana = '{"name": "Ana", "consent_publish": true}'
    needed = ("format=panel", "action_lines=C7", f"organisers={ana}")

    def request(*pairs: str, tags: tuple[str, ...] = ()) -> str:
        return _said_in(
            lang, "submit", str(config), "--call", "workshop-requests",
            "--group", "civil-society", "--name", "Ana Pérez", "--email", "ana@example.org",
            "--title", "Escuelas rurales", "--body", "Texto.", "--store", store,
            *(a for tag in tags for a in ("--tag", tag)),
            *(a for pair in pairs for a in ("--field", pair)),
        )  # fmt: skip

    nine = [f'speakers={{"name": "P{n}", "consent_publish": true}}' for n in range(9)]
    return {
        "values": request(
            'organisers={"name": "Ana"}',
            'speakers={"name": "Li", "consent_publish": true, "role": "chair"}',
            "host_country=Suiza",
            "region=999",
        ),
        "people given": request(*needed, *nine),
        "person's e-mail": request(
            *needed, 'speakers={"name": "Li", "consent_publish": true, "email": "li"}'
        ),
        "not key=value": request(*needed, "nope"),
        "not json": request(*needed, "speakers=Li"),
        "not yes or no": request(*needed, "online=quizás"),
        "not a number": request(*needed, "seats=muchas"),
        "given twice": request(*needed, "seats=1", "seats=2"),
        "file ending": request(*needed, f"paper=@{notes}"),
        "file too big": request(*needed, f"paper=@{large}"),
        "file content": request(*needed, f"paper=@{fake}"),
        "unknown tag": request(*needed, tags=("X99",)),
        "unknown tag to list": _said_in(
            lang, "submissions", "list", str(config), "--tag", "X99", "--store", store
        ),
    }


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_field_refusal_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: countries, regions, people, files, tags and --field parsing too.
    outputs = _field_refusals(tmp_path, "es_ES")
    for name, text in outputs.items():
        assert text.startswith("⟦"), f"{name}: {text}"  # error: or Usage:, the frame too
    # Typed values, file names, field keys, the terms a list names (person keys, endings;
    # Spanish joins the last with "y"), the rule's id, the command's path and its options
    # are names, the same in every language.
    call = load_consultation(tmp_path / "consultation.toml").call("workshop-requests")
    keys = "|".join(f.key for f in call.fields)
    names = re.compile(
        r"'[^']*'|\{[^}]*\}|(?<=: )[a-z][a-z -]*(?=\]⟧)|\b[a-z_]+(?=[,)]| y )"
        rf"|\bcli(?: [a-z]+)+|--[a-z]+|\b(?:pdf|docx|{keys})\b"
    )
    leaks = {
        name: escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", names.sub(" ", text)))
        for name, text in outputs.items()
    }
    assert leaks == {name: [] for name in outputs}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr_FR",
            {
                "values": [
                    "personne 1 : indiquez si la personne accepte d’être publiée",
                    "clé inconnue 'role' (utilisez name, email, organisation, country et"
                    " consent_publish)",
                    "'Suiza' n’est pas un code de pays ISO 3166-1 alpha-2",
                    "'999' n’est pas un code de région M49 de l’ONU",
                ],
                "people given": ["9 personne(s) indiquée(s) ; au plus 8"],
                "person's e-mail": ["'li' n’est pas une adresse électronique"],
                "not key=value": [
                    "Valeur non valide pour --field : 'nope' n’est pas de la forme KEY=VALUE"
                ],
                "not json": ["--field speakers : 'Li' n’est pas du JSON"],
                "not yes or no": ["'quizás' n’est ni oui ni non"],
                "not a number": ["'muchas' n’est pas un nombre"],
                "given twice": ["indiqué deux fois : ce champ accepte une seule valeur"],
                "file ending": [
                    "ne se termine pas par l’une des extensions suivantes : pdf et docx"
                ],
                "file too big": ["compte 20 009 octets ; au plus 2 000"],
                "file content": ["le fichier 'informe' n’est pas un fichier .pdf"],
                "unknown tag": [
                    "étiquette inconnue 'X99' : utilisez un terme du vocabulaire"
                    " 'wsis-action-lines' (de C1 à C11) ; 'sdgs' (de SDG1 à SDG17)"
                ],
                "unknown tag to list": ["Valeur non valide pour --tag : étiquette inconnue"],
            },
        ),
        (
            "ar_EG",
            {
                "values": [
                    "الشخص 1: يُرجى بيان ما إذا كان الشخص يوافق على النشر",
                    "مفتاح غير معروف 'role'",
                    "'Suiza' ليس رمز بلد",
                    "'999' ليس رمز منطقة",
                ],
                "people given": ["عدد الأشخاص المذكورين 9؛ والحد الأقصى 8"],
                "person's e-mail": ["'li' ليس عنوان بريد إلكتروني"],
                "not key=value": ["'nope' ليس بالصيغة KEY=VALUE"],
                "not json": ["'Li' ليس بصيغة JSON"],
                "not yes or no": ["'quizás' ليس نعم أو لا"],
                "not a number": ["'muchas' ليس رقمًا"],
                "given twice": ["ذُكر مرتين"],
                "file ending": ["بأحد الامتدادات التالية: pdf وdocx"],
                "file too big": ["حجم الملف 'grande' هو"],
                "file content": ["الملف 'informe' ليس ملفًا من نوع .pdf"],
                "unknown tag": ["وسم غير معروف 'X99'", "(من C1 إلى C11)؛ 'sdgs'"],
                "unknown tag to list": ["وسم غير معروف 'X99'"],
            },
        ),
    ],
)
def test_field_refusals_are_in_the_readers_language(
    lang: str, words: dict[str, list[str]], tmp_path: Path
) -> None:
    outputs = _field_refusals(tmp_path, lang)
    missing = {
        # French groups digits with a narrow space: any space will do here.
        name: [w for w in words[name] if w not in re.sub(r"\s+", " ", text)]
        for name, text in outputs.items()
    }
    assert missing == {name: [] for name in outputs}, outputs


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_field_refusal_on_the_web_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: the form shows each refusal beside its field, the API gives it as the
    # problem's detail; both in the reader's words (Spanish here, the pseudo-catalogue).
    import base64

    from consultkit_web import create_app
    from consultkit_web.testing import filled, form_tokens
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import FixedClock, parse_instant

    consultation = load_consultation(_fields_config(tmp_path))
    form = f"/{consultation.id}/calls/workshop-requests/submit"
    api = f"/api/consultations/{consultation.id}/calls/workshop-requests/submissions"
    spanish = {"accept-language": "es"}
    needed = {
        "field.format": "panel",
        "field.action_lines": ["C7"],
        "field.organisers.0.name": "Ana",
        "field.organisers.0.consent": "yes",
    }
    posts: dict[str, tuple[dict[str, Any], list[Any]]] = {
        "not yes or no": ({"field.online": "quizás"}, []),
        "not a number": ({"field.seats": "muchas"}, []),
        "values": (
            {
                "field.host_country": "XX",
                "field.region": "999",
                "field.speakers.0.email": "li@example.org",
                "field.speakers.0.consent": "yes",
            },
            [],
        ),
        "person's e-mail": (
            {"field.speakers.0.name": "Li", "field.speakers.0.email": "li"},
            [],
        ),
        "file ending": ({}, [("field.paper", ("notas.txt", b"Notas.", "text/plain"))]),
        "file too big": (
            {},
            [("field.paper", ("grande.pdf", b"%PDF-1.4\n" + b"0" * 20_000, "application/pdf"))],
        ),
        "file content": ({}, [("field.paper", ("informe.pdf", b"<html>", "application/pdf"))]),
        "unknown tag": ({"tags": "X99"}, []),
    }
    body = {
        "group": "civil-society",
        "name": "Ana",
        "email": "ana@example.org",
        "title": "Talleres",
        "body": "Texto.",
        "fields": {"format": "panel", "action_lines": ["C7"], "organisers": [
            {"name": "Ana", "consent_publish": True}
        ]},
    }  # fmt: skip
    pdf = {"name": "informe.pdf", "content_base64": base64.b64encode(b"%PDF-1.4\n").decode()}
    api_posts = {
        "a description for a file": body
        | {"fields": body["fields"] | {"paper": {"name": "informe.pdf", "size": 9}}},
        "a file for no file field": body | {"field_files": {"format": pdf}},
        "a tag outside the vocabularies": body | {"tags": ["X99"]},
        "a consent neither true nor false": body
        | {"fields": body["fields"] | {"speakers": [{"name": "Li", "consent_publish": "sí"}]}},
    }
    shown: dict[str, str] = {}
    clock = FixedClock(parse_instant("2020-01-20T09:00:00Z"))
    with (
        Consultkit.open("memory://", clock=clock, attachments_dir=tmp_path / "files") as app,
        TestClient(app=create_app(app, [consultation], secret="pseudo")) as client,
    ):
        for name, (change, files) in posts.items():
            tokens = form_tokens(client.get(form, headers=spanish).text)
            page = client.post(
                form, data=filled(**(needed | change)) | tokens, files=files, headers=spanish
            )
            assert page.status_code == 422, (name, page.text)
            error = re.search(r'<p class="error" id="[^"]*-error">(.*?)</p>', page.text)
            assert error is not None, (name, page.text)
            shown[name] = html.unescape(visible_text(error.group(1)))
        for name, sent in api_posts.items():
            problem = client.post(api, json=sent, headers=spanish)
            assert problem.status_code == 422, (name, problem.text)
            shown[name] = problem.json()["detail"]
    call = consultation.call("workshop-requests")
    keys = "|".join(f.key for f in call.fields)
    # Typed values, file names, field keys, endings and the rule's id are names.
    names = re.compile(rf"'[^']*'|\((?:field|tag): |\b(?:pdf|docx|{keys})\b")
    leaks = {
        name: escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", names.sub(" ", text)))
        for name, text in shown.items()
    }
    assert leaks == {name: [] for name in shown}, shown
    assert all("⟦" in text for text in shown.values()), shown


def _review_refusals(tmp_path: Path, lang: str) -> dict[str, str]:
    """The review commands' refusals of unknown calls, rounds and reviewers, of a ranking
    or a decision that cannot be, and of a review that does not fit its round."""
    from consultkit.app.application import Consultkit
    from consultkit.domain.clock import FixedClock

    from .test_review_wsis_e2e import RECEIVED, request, reviewers_file

    config = _refusal_config(tmp_path)
    consultation = load_consultation(config)
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    with Consultkit.open(store, clock=FixedClock(RECEIVED), entry_points=False) as app:
        app.import_submissions(consultation, [request(n) for n in range(4)])
    pool = str(reviewers_file(tmp_path / "pool.toml"))
    screening = "workshop-requests/screening"

    def review(*args: str, now: str = "2020-01-20T09:00:00Z") -> str:
        result = CliRunner().invoke(
            cli,
            ["--now", now, "review", *args, "--store", store],
            env={"LANG": f"{lang}.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"},
            catch_exceptions=False,
        )
        assert result.exit_code != 0, result.output
        return result.output

    assign = ["assign", str(config), "--reviewers", pool, "--organiser", "gitanjali"]
    said = {
        "unknown call": review(*assign, "nope/screening"),
        "unknown round": review(*assign, "workshop-requests/nope"),
        "a screening has no ranking": review("rank", str(config), screening),
        "a negative number to accept": review(
            "decide",
            str(config),
            "--round",
            "workshop-requests/scoring",
            "--top",
            "-1",
            "--organiser",
            "gitanjali",
        ),
    }
    _cli("review", *assign, screening, store=store)
    said["a reviewer without assignments"] = review(
        "status", str(config), screening, "--reviewer", "nobody"
    )
    with Consultkit.open(store, entry_points=False) as app:
        given = app.store.review_assignments(consultation.id, screening)[0]
        scored = app.store.get_submission(given.submission_id)
    assert scored is not None
    score = ["score", str(config), screening, scored.tracking_number]
    score += ["--reviewer", given.reviewer_id]
    during = "2020-02-11T09:00:00Z"
    said["a confidence off the scale"] = review(*score, "--pass", "--confidence", "9", now=during)
    said["scores in a screening"] = review(*score, "--score", "relevance=3", now=during)
    return said


@pytest.mark.usefixtures("speaks_pseudo")
def test_every_review_refusal_speaks_only_the_catalogue(tmp_path: Path) -> None:
    # Issue 11: the review and model refusals that were still English f-strings.
    outputs = _review_refusals(tmp_path, "es_ES")
    for name, text in outputs.items():
        assert text.startswith("⟦"), f"{name}: {text}"
    # Ids (calls, rounds as CALL/ROUND, criteria, reviewers), CALL/ROUND itself and the
    # rule's id are names, the same in every language.
    names = re.compile(
        r"'[^']*'|(?<=: )[a-z][a-z -]*(?=\]⟧)|\b[a-z]+(?:-[a-z]+)+(?:/[a-z-]+)?|CALL/ROUND"
    )
    leaks = {
        name: escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", names.sub(" ", text)))
        for name, text in outputs.items()
    }
    assert leaks == {name: [] for name in outputs}, outputs


def test_review_refusals_are_in_french(tmp_path: Path) -> None:
    outputs = _review_refusals(tmp_path, "fr_FR")
    words = {
        "unknown call": "aucun appel 'nope' (connus : official-submissions, workshop-requests,"
        " hlt-facilitator-nominations et photo-contest)",
        "unknown round": "aucun tour d’évaluation 'workshop-requests/nope'",
        "a screening has no ranking": "est une présélection : il donne des contributions retenues",
        "a negative number to accept": "le nombre de contributions à accepter ne peut pas être",
        "a reviewer without assignments": "l’évaluateur 'nobody' n’a aucune affectation",
        "a confidence off the scale": "la confiance va de 1 à 5, et non 9",
        "scores in a screening": "et non des notes ; le tour 'screening' est une présélection",
    }
    missing = {name: words[name] for name, text in outputs.items() if words[name] not in text}
    assert missing == {}, outputs
