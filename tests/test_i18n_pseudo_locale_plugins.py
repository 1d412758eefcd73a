"""The plugins' refusals find no English word outside the catalogue (issue 11).

Each plugin verb's error paths (a broken file, a server on a closed loopback port, a bad
option or setting) run with the pseudo-catalogue standing in for Spanish, as in
``test_i18n_pseudo_locale.py``, whose helpers these are; then once in a real language.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from consultkit.cli import cli
from consultkit.config.loader import load_consultation
from consultkit.i18n import messages

from .event_samples import EXAMPLE

# The fixtures are the pseudo-locale test's own: imported, pytest finds them here too.
from .test_i18n_pseudo_locale import (  # noqa: F401
    escaped_english,
    pseudo_catalogue,
    speaks_pseudo,
)

LOCALE = {"LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000"}
CLEAN = {
    "CONSULTKIT_SECRET": "",
    "CONSULTKIT_WEB_SECRET": "",
    "CONSULTKIT_WEBHOOK_SECRET": "",
    "CONSULTKIT_NOTIFY_SETTINGS": "",
    "CONSULTKIT_NOTIFY_CHANNELS": "",
    "CONSULTKIT_CALDAV_URL": "",
    "CONSULTKIT_CALDAV_USER": "",
    "CONSULTKIT_CALDAV_PASSWORD": "",
}


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(
        cli, list(args), env={**CLEAN, **LOCALE, **(env or {})}, catch_exceptions=False
    )
    assert result.exit_code != 0, result.output
    return result


def _broken(tmp_path: Path) -> Path:
    config = tmp_path / "broken.toml"
    config.write_text('id = "c"\n', encoding="utf-8")
    return config


def _confirming(tmp_path: Path) -> Path:
    """The example with e-mail confirmation on: ``serve`` needs a secret to sign links."""
    text = (
        Path(EXAMPLE)
        .read_text(encoding="utf-8")
        .replace(
            'id = "official-submissions"\n',
            'id = "official-submissions"\nconfirm_email = true\n',
            1,
        )
    )
    config = tmp_path / "confirming.toml"
    config.write_text(text, encoding="utf-8")
    return config


def _leaks(text: str, *data: str) -> list[str]:
    """English words in ``text``, every ``⟦…⟧`` opened: the ``error:`` prefix wraps the
    message, so each letter inside must be a pseudo-translation too; ``data`` (a URL, the
    system's own words, a file's location) is taken out first."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    # Where a problem is: FILE[:LINE] or the variable's name (``CONSULTKIT_EMAIL_*``), and the
    # field or channel (``email``); a problem with no file is placed in the reader's words.
    where = r"(?:\S+\.toml(?::\d+)?|CONSULTKIT_[A-Z_]+\*?|⟦<[^⟧]*>⟧): (?:[A-Za-z_][\w.\[\]-]*: )?"
    text = re.sub(where, " ", text)
    # A hint shows the file's key to add (``add title = …``): the file's word, not ours.
    text = re.sub(r"[\w.]+ = …", " ", text)
    return escaped_english("⟦⟧ " + re.sub("[⟦⟧]", " ", text))


def _pseudo_lines(text: str) -> None:
    for line in text.splitlines():
        # The error:/warning: prefix too (libpq's reason may go on over several lines).
        assert line.startswith(("⟦", "\t")), line


@pytest.mark.usefixtures("speaks_pseudo")
def test_caldav_publish_refuses_in_the_readers_words(tmp_path: Path) -> None:
    pytest.importorskip("consultkit_caldav")
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/cal/"
    publish = ["caldav-publish", str(EXAMPLE), "--url", url]
    broken = _run("caldav-publish", str(_broken(tmp_path)), "--url", url)
    assert broken.exit_code == 2
    unreachable = _run(*publish)
    assert unreachable.exit_code == 1
    language = _run(*publish, "--lang", "xx")
    assert language.exit_code == 2
    bad_url = _run("caldav-publish", str(EXAMPLE), "--url", "ftp://dav.example.org/c/")
    # Told before anything is sent: the store that cannot open stops it there.
    plain = _run(
        *["caldav-publish", str(EXAMPLE), "--url", "http://dav.example.org/c/", "--user", "ana"],
        *["--store", f"sqlite:///{tmp_path}/no/ck.sqlite"],
    )
    assert "ana" in plain.stderr.splitlines()[0], plain.stderr
    # The refusal is consultkit's words now, not the system's "[Errno 111] ..." (issue 11).
    assert "Errno" not in unreachable.stderr, unreachable.stderr
    for result in (broken, unreachable, language, bad_url, plain):
        _pseudo_lines(result.stderr)
        data = (url, "ftp://dav.example.org/c/", "dav.example.org", "sqlite:")
        assert _leaks(result.stderr, *data) == [], result.stderr


@pytest.mark.usefixtures("speaks_pseudo")
def test_serve_refuses_in_the_readers_words(tmp_path: Path) -> None:
    pytest.importorskip("consultkit_web")
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    twice = _run("serve", str(EXAMPLE), str(EXAMPLE), "--store", store)
    no_secret = _run("serve", str(_confirming(tmp_path)), "--store", store)
    broken = _run("serve", str(_broken(tmp_path)), "--store", store)
    for result in (twice, no_secret, broken):
        assert result.exit_code == 2
        _pseudo_lines(result.stderr)
        assert _leaks(result.stderr, "CONSULTKIT_SECRET") == [], result.stderr
        assert "<input>" not in result.stderr, result.stderr


@pytest.mark.usefixtures("speaks_pseudo")
def test_webhook_secret_refuses_in_the_readers_words(tmp_path: Path) -> None:
    pytest.importorskip("consultkit_webhook")
    settings = tmp_path / "notify.toml"
    settings.write_text("channels = 3\n", encoding="utf-8")
    missing = _run("webhook-secret", "https://example.org/hook")
    unreadable = _run("webhook-secret", "https://example.org/hook", "--settings", str(settings))
    for result in (missing, unreadable):
        assert result.exit_code == 2
        _pseudo_lines(result.stderr)
        assert _leaks(result.stderr, str(settings)) == [], result.stderr


@pytest.mark.usefixtures("speaks_pseudo")
@pytest.mark.parametrize(
    ("channel", "setting"),
    [
        ("email", {"CONSULTKIT_EMAIL_SECURITY": "bogus"}),
        ("email", {"CONSULTKIT_EMAIL_PORT": "many"}),
        ("email", {"CONSULTKIT_EMAIL_FROM": "not an address"}),
        ("webhook", {}),
        ("webhook", {"CONSULTKIT_WEBHOOK_SECRET": "s" * 32, "CONSULTKIT_WEBHOOK_TIMEOUT": "x"}),
        ("webhook", {"CONSULTKIT_WEBHOOK_SECRET": "s" * 32, "CONSULTKIT_WEBHOOK_DEADLINE": "-1"}),
        (
            "webhook",
            {"CONSULTKIT_WEBHOOK_SECRET": "s" * 32, "CONSULTKIT_WEBHOOK_ALLOW_PRIVATE": "?"},
        ),
        ("sms", {}),
    ],
)
def test_a_channels_settings_are_refused_in_the_readers_words(
    channel: str, setting: dict[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("consultkit_smtp")
    pytest.importorskip("consultkit_webhook")
    env = {"CONSULTKIT_NOTIFY_CHANNELS": channel, **setting}
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    result = _run("notify", "run", "--store", store, env=env)
    assert result.exit_code == 2
    _pseudo_lines(result.stderr)
    data = [*setting.values(), *(f"{key}={value!r}" for key, value in setting.items())]
    # The channels' names are ids, the same in every language.
    data += [*setting, "email", "log", "webhook"]
    assert _leaks(result.stderr, *data) == [], result.stderr


@pytest.mark.usefixtures("speaks_pseudo")
def test_an_unreachable_postgres_is_refused_in_the_readers_words() -> None:
    pytest.importorskip("consultkit_postgres")
    from consultkit_postgres.store import open_postgres

    from consultkit.errors import StoreError

    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    with pytest.raises(StoreError) as english:
        open_postgres(url)
    # libpq's own words (``connection to server … failed``) are the library's, not ours.
    reason = str(english.value).removeprefix(f"cannot connect to {url}: ").split("; check")[0]
    result = _run("submissions", "list", str(EXAMPLE), "--store", url)
    _pseudo_lines(result.stderr)
    assert _leaks(result.stderr, url, reason) == [], result.stderr
    wrong = _run("submissions", "list", str(EXAMPLE), "--store", f"{url}?schema=a&schema=b")
    _pseudo_lines(wrong.stderr)
    assert _leaks(wrong.stderr, f"{url}?schema=a&schema=b") == [], wrong.stderr


def _real(language: str, *args: str, env: dict[str, str] | None = None) -> str:
    """What a verb prints on stderr with the locale set to ``language``."""
    locale = {"LANG": f"{language}.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    result = CliRunner().invoke(cli, list(args), env={**CLEAN, **locale, **(env or {})})
    assert result.exit_code != 0, result.output
    return result.stderr


def test_the_plugins_refusals_read_in_a_real_language(tmp_path: Path) -> None:
    for plugin in ("consultkit_caldav", "consultkit_web", "consultkit_webhook"):
        pytest.importorskip(plugin)
    pytest.importorskip("consultkit_smtp")
    pytest.importorskip("consultkit_postgres")
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/cal/"
    fr = messages("fr")
    ar = messages("ar")
    zh = messages("zh")
    ru = messages("ru")
    es = messages("es")
    caldav = _real("en_US", "caldav-publish", str(EXAMPLE), "--url", url, "--lang", "fr")
    assert caldav.startswith(fr.gettext("error: %(text)s", text="")), caldav
    assert fr.gettext("cannot reach %(url)s: %(reason)s", url=url, reason="") in caldav
    twice = _real("ar_EG", "serve", str(EXAMPLE), str(EXAMPLE))
    given = ar.gettext(
        "consultation %(consultation)r is given twice: give each file once",
        consultation=load_consultation(EXAMPLE).id,
    )
    assert given in twice, twice
    secret = _real("zh_CN", "webhook-secret", "https://example.org/hook")
    assert zh.gettext("set CONSULTKIT_WEBHOOK_SECRET (or [webhook] secret) first") in secret
    env = {"CONSULTKIT_NOTIFY_CHANNELS": "email", "CONSULTKIT_EMAIL_PORT": "many"}
    store = f"sqlite:///{tmp_path / 'ck.sqlite'}"
    email = _real("ru_RU", "notify", "run", "--store", store, env=env)
    expected = ru.gettext("CONSULTKIT_EMAIL_PORT and CONSULTKIT_EMAIL_TIMEOUT must be numbers")
    assert expected in email, email
    pg = f"postgresql://postgres@127.0.0.1:{port}/test"
    postgres = _real("es_ES", "submissions", "list", str(EXAMPLE), "--store", pg)
    start = es.gettext(
        "cannot connect to %(url)s: %(reason)s; check that PostgreSQL runs there"
        " and that the user, password and database are right",
        url=pg,
        reason="",
    )
    assert start.split(pg)[0] in postgres, postgres


def _web_problems(language: str) -> dict[str, dict[str, object]]:
    """The API's and the pages' problems (problem+json) for a reader of ``language``."""
    pytest.importorskip("consultkit_web")
    from consultkit_web import create_app
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit

    consultation = load_consultation(EXAMPLE)
    api = f"/api/consultations/{consultation.id}"
    asks = {
        "no consultation": "/api/consultations/nope",
        "no call": f"/{consultation.id}/calls/nope/submit",
        "no submission": f"{api}/submissions/CK-AAAA-BBBB-CCCC-DDDD",
        "no feed": f"/{consultation.id}/feeds/es.pdf",
        "no group": f"/{consultation.id}/feeds/es.ics?group=nobody",
        "no receipt": f"/{consultation.id}/receipt?number=CK-AAAA-BBBB-CCCC-DDDD",
        "no token": f"{api}/organiser/submissions",
        "bad zone": f"{api}/timeline?tz=Mars/Olympus",
    }
    headers = {"Accept-Language": language, "Accept": "application/json"}
    found = {}
    with Consultkit.open("memory://") as app:
        web = create_app(app, [consultation], secret="test-secret")
        with TestClient(app=web) as client:
            for name, path in asks.items():
                answer = client.get(path, headers=headers)
                assert answer.status_code in (400, 401, 404), (name, answer.text)
                found[name] = answer.json()
    return found


@pytest.mark.usefixtures("speaks_pseudo")
def test_the_web_problems_detail_speaks_only_the_catalogue() -> None:
    # Issue 11: the detail follows Accept-Language; type, title and rule are data for
    # programs, the same in every language.
    problems = _web_problems("es")
    english = {name: {k: v for k, v in p.items() if k != "detail"} for name, p in problems.items()}
    assert english["no consultation"]["title"] == "Not found", english
    assert english["no token"]["rule"] == "token", english
    for name, problem in problems.items():
        detail = str(problem["detail"])
        assert detail.startswith("⟦"), (name, detail)
        # The request's own values come back quoted: 'es.pdf', 'nobody', the zone.
        data = ("CK-AAAA-BBBB-CCCC-DDDD", "'es.pdf'", "Mars/Olympus", "tz")
        assert _leaks(detail, *data) == [], (name, detail)
    assert english == {
        name: {k: v for k, v in p.items() if k != "detail"}
        for name, p in _web_problems("en").items()
    }


@pytest.mark.usefixtures("speaks_pseudo")
def test_a_body_litestar_refuses_speaks_only_the_catalogue() -> None:
    pytest.importorskip("consultkit_web")
    from consultkit_web import create_app
    from litestar.testing import TestClient

    from consultkit.app.application import Consultkit

    consultation = load_consultation(EXAMPLE)
    post = f"/api/consultations/{consultation.id}/calls/official-submissions/submissions"
    headers = {"Accept-Language": "es", "content-type": "application/json"}
    bodies = {"malformed": b'{"name": ', "wrong type": b'{"group": 5}'}
    with Consultkit.open("memory://") as app:
        web = create_app(app, [consultation], secret="test-secret")
        with TestClient(app=web) as client:
            for name, content in bodies.items():
                detail = str(client.post(post, content=content, headers=headers).json()["detail"])
                assert detail.startswith("⟦"), (name, detail)
                # The field's name is the API's, data: ``group``.
                assert _leaks(detail, "group", "/api/schema") == [], (name, detail)


def test_the_web_problems_detail_reads_in_french() -> None:
    problems = _web_problems("fr-FR")
    fr = messages("fr")
    assert problems["no consultation"]["detail"] == fr.gettext(
        "no consultation %(consultation)r", consultation="nope"
    )
    assert problems["no submission"]["detail"] == fr.gettext(
        "no submission with this tracking number"
    )


def _delivery_warnings(tmp_path: Path, channel: str, address: str, env: dict[str, str]) -> str:
    """``notify run``'s stderr once a reminder to ``address`` failed on ``channel``."""
    return _failed_delivery(tmp_path, channel, address, env)[0]


def _failed_delivery(
    tmp_path: Path, channel: str, address: str, env: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """``notify run``'s stderr once a reminder to ``address`` failed on ``channel``, and the
    environment that reaches its store."""
    tmp_path.mkdir()
    settings = {
        **CLEAN,
        **LOCALE,
        "CONSULTKIT_STORE": f"sqlite:///{tmp_path / 'ck.sqlite'}",
        "CONSULTKIT_NOTIFY_CHANNELS": channel,
        **env,
    }
    week_before = "2020-01-28T09:00:00Z"
    for args in (
        ["subscribers", "add", str(EXAMPLE), address, "--channel", channel],
        ["--now", week_before, "remind", str(EXAMPLE)],
    ):
        done = CliRunner().invoke(cli, args, env=settings, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    ran = CliRunner().invoke(
        cli, ["--now", week_before, "notify", "run"], env=settings, catch_exceptions=False
    )
    assert ran.exit_code == 0, ran.output
    return ran.stderr, settings


@pytest.mark.usefixtures("speaks_pseudo")
def test_a_failed_delivery_is_told_in_the_readers_words(tmp_path: Path) -> None:
    # Issue 11: the organiser reads why a channel failed; the outbox keeps the English.
    pytest.importorskip("consultkit_smtp")
    pytest.importorskip("consultkit_webhook")
    port = _closed_port()
    email = _delivery_warnings(
        tmp_path / "email",
        "email",
        "ana@example.org",
        {"CONSULTKIT_EMAIL_HOST": "127.0.0.1", "CONSULTKIT_EMAIL_PORT": str(port)},
    )
    hook = f"http://127.0.0.1:{port}/hook"
    webhook = _delivery_warnings(
        tmp_path / "webhook", "webhook", hook, {"CONSULTKIT_WEBHOOK_SECRET": "s" * 32}
    )
    for told in (email, webhook):
        assert told, "no warning"
        assert "Errno" not in told, told  # consultkit's words, not the system's (issue 11)
        _pseudo_lines(told)
        data = ("'email'", "'webhook'", f"127.0.0.1:{port}", "127.0.0.1")
        assert _leaks(told, *data) == [], told


@pytest.mark.usefixtures("speaks_pseudo")
def test_notify_status_tells_a_stored_failure_in_the_readers_words(tmp_path: Path) -> None:
    # Issue 11: the outbox is written before anyone reads it, so it keeps the failure's
    # words; `notify status` tells them in its reader's language, the system's reason as is.
    pytest.importorskip("consultkit_webhook")
    port = _closed_port()
    hook = f"http://127.0.0.1:{port}/hook"
    _, settings = _failed_delivery(
        tmp_path / "webhook", "webhook", hook, {"CONSULTKIT_WEBHOOK_SECRET": "s" * 32}
    )
    status = CliRunner().invoke(
        cli, ["notify", "status", "--show", "dead"], env=settings, catch_exceptions=False
    )
    assert status.exit_code == 0, status.output
    (row,) = [line for line in status.stdout.splitlines() if hook in line]
    told = row[row.index("⟦") :].rstrip(" │")
    # The refusal names the variable to set and the address, data in every language.
    data = (hook, "127.0.0.1", "CONSULTKIT_WEBHOOK_ALLOW_PRIVATE=true")
    assert _leaks(told, *data) == [], told


@pytest.mark.usefixtures("speaks_pseudo")
def test_a_store_url_a_chart_file_and_an_address_are_refused_in_the_readers_words(
    tmp_path: Path,
) -> None:
    # Issue 11: a store URL that is none, a scheme no plugin provides, a chart file of
    # no known type; the URL, the file and the schemes are data.
    chart = str(tmp_path / "x.txt")
    for result, data in (
        (_run("submissions", "list", str(EXAMPLE), "--store", "memory:x"), ("'memory:x'",)),
        (_run("submissions", "list", str(EXAMPLE), "--store", "nope://x"), ("nope://",)),
        (_run("stats", str(EXAMPLE), "--chart", chart), (repr(chart),)),
        (_run("calendar", str(EXAMPLE), "--format", "nope"), ("'nope'", "html, ics, json, svg")),
        # A subscriber's address: the refusal and the reason inside it (issue 11).
        (_run("subscribers", "add", str(EXAMPLE), "no-at-sign"), ("'no-at-sign'", "email")),
    ):
        _pseudo_lines(result.stderr)
        # The example's own URLs (sqlite:///…, memory://) and pip's words are data too.
        data += (
            "SCHEME://…",
            "sqlite:///consultkit.sqlite",
            "memory://",
            "sqlite://",
            "postgresql://",
        )
        assert _leaks(result.stderr, *data) == [], result.stderr
    # click's usage error for an argument too many: its usage line, then the error.
    extra = _run("submissions", "list", str(EXAMPLE), "extra")
    told = extra.stderr.strip().splitlines()[-1]
    assert told.startswith("⟦"), extra.stderr
    assert _leaks(told, "extra") == [], extra.stderr
