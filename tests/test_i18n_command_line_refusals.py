"""The command line's refusals in real languages (issue 11): option values, click's complaints
about a value, an import's problems, the plugins warning and the lifecycle's roles.

The pseudo-locale (tests/test_i18n_pseudo_locale.py) shows that no English word escapes;
these show that each reader gets their own language's words.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click
import pytest
from click.testing import CliRunner

from consultkit.cli import cli
from consultkit.cli.help_text import HelpCommand
from consultkit.domain.lifecycle import _either, plan_transition
from consultkit.domain.submissions import Actor, ActorRole, SubmissionStatus
from consultkit.errors import PermissionDeniedError
from consultkit.i18n import messages
from consultkit.testing.factories import make_submission

from .event_samples import EXAMPLE

if TYPE_CHECKING:
    from pathlib import Path

LANGUAGES = ("ar", "zh", "fr", "ru", "es")
LOCALES = {"ar": "ar_EG.UTF-8", "zh": "zh_CN.UTF-8", "fr": "fr_FR.UTF-8", "ru": "ru_RU.UTF-8"}
LOCALES["es"] = "es_ES.UTF-8"


def _run(command: click.Command, args: list[str], locale: str, **env: str) -> Any:
    return CliRunner().invoke(
        command,
        args,
        env={"LANG": locale, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "1000", **env},
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.command(cls=HelpCommand)
@click.option("--whole", type=int)
@click.option("--number", type=float)
@click.option("--some", type=click.IntRange(1, 5))
@click.option("--share", type=click.FloatRange(0, 1))
@click.option("--flag", type=bool)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--kind", type=click.Choice(["csv", "json"]))
@click.option("--config", type=click.Path(exists=True, dir_okay=False))
@click.option("--folder", type=click.Path(exists=True, file_okay=False))
@click.option("--text", type=click.File("r"))
def _typed(**_: object) -> None:
    """A command with one option of each of click's value types."""


def _complaints(tmp_path: Path) -> dict[str, tuple[list[str], str, dict[str, object]]]:
    """Each value type's bad value, and the message (with its values) it is refused with."""
    absent = str(tmp_path / "absent.toml")
    return {
        "int": (["--whole", "x"], "%(value)s is not a whole number.", {"value": "'x'"}),
        "float": (["--number", "x"], "%(value)s is not a number.", {"value": "'x'"}),
        "int range": (
            ["--some", "9"],
            "%(value)s is not in the range %(range)s.",
            {"value": "9", "range": "1<=x<=5"},
        ),
        "float range": (
            ["--share", "2"],
            "%(value)s is not in the range %(range)s.",
            {"value": "2.0", "range": "0<=x<=1"},
        ),
        "bool": (
            ["--flag", "maybe"],
            "%(value)s is not yes or no: use one of %(states)s.",
            {
                "value": "'maybe'",
                "states": ", ".join(sorted(click.types.BoolParamType.bool_states)),
            },
        ),
        "choice": (
            ["--kind", "xml"],
            "%(value)s is not one of %(choices)s.",
            {"value": "'xml'", "choices": "'csv', 'json'"},
        ),
        "file absent": (
            ["--config", absent],
            "%(kind)s %(name)s does not exist.",
            {"kind": ("path kind", "File"), "name": repr(absent)},
        ),
        "a directory": (
            ["--config", str(tmp_path)],
            "%(kind)s %(name)s is a directory.",
            {"kind": ("path kind", "File"), "name": repr(str(tmp_path))},
        ),
        "a file": (
            ["--folder", str(EXAMPLE)],
            "%(kind)s %(name)s is a file.",
            {"kind": ("path kind", "Directory"), "name": repr(str(EXAMPLE))},
        ),
        "open": (
            ["--text", absent],
            "%(kind)s %(name)s does not exist.",
            {"kind": ("path kind", "File"), "name": repr(absent)},
        ),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_clicks_complaints_about_a_value_are_in_the_locales_language(
    language: str, tmp_path: Path
) -> None:
    words = messages(language)
    for name, (args, message, values) in _complaints(tmp_path).items():
        worded = {
            key: words.pgettext(*value) if isinstance(value, tuple) else value
            for key, value in values.items()
        }
        result = _run(_typed, args, LOCALES[language])
        assert result.exit_code == 2, (name, result.output)
        assert words.gettext(message, **worded) in _one_line(result.output), (name, result.output)


def test_a_date_in_no_format_is_in_the_locales_language() -> None:
    result = _run(_typed, ["--day", "soon"], "ru_RU.UTF-8")
    assert "'soon' не соответствует формату '%Y-%m-%d'." in _one_line(result.output)


def test_clicks_complaints_stay_clicks_own_in_english(tmp_path: Path) -> None:
    # English reads no catalogue: click's message is shown as click wrote it.
    result = _run(_typed, ["--kind", "xml"], "C")
    assert "Error: Invalid value for '--kind': 'xml' is not one of 'csv', 'json'." in result.output


def test_every_english_complaint_of_click_is_recognised(tmp_path: Path) -> None:
    # If click rewords a complaint, it would be left in English: this test says so first.
    words = messages("fr")
    for name, (args, message, values) in _complaints(tmp_path).items():
        result = _run(_typed, args, "fr_FR.UTF-8")
        worded = {
            key: words.pgettext(*value) if isinstance(value, tuple) else value
            for key, value in values.items()
        }
        assert words.gettext(message, **worded) in _one_line(result.output), name


def test_a_commands_choice_is_refused_in_arabic() -> None:
    result = _run(cli, ["timeline", str(EXAMPLE), "--format", "xml"], "ar_EG.UTF-8")
    assert result.exit_code == 2
    expected = "قيمة غير صالحة لـ '--format': 'xml' ليس من بين 'table', 'json'."
    assert expected in result.output, result.output


@pytest.mark.parametrize(
    ("args", "message", "values"),
    [
        (
            ["--tz", "Europe/Geneva"],
            "unknown time zone %(zone)s: did you mean %(suggestion)s?",
            {"zone": "'Europe/Geneva'", "suggestion": "'Europe/Zurich'"},
        ),
        (
            ["--at", "2020-01-01"],
            "instant %(text)s has no offset: add Z for UTC or an offset such as +01:00",
            {"text": "'2020-01-01'"},
        ),
        (
            ["--lang", "xx-zz"],
            "unknown language %(language)s: use a tag such as en, fr, es, ru, zh, ar",
            {"language": "'xx-zz'"},
        ),
    ],
)
def test_timelines_option_refusals_are_in_the_locales_language(
    args: list[str], message: str, values: dict[str, str]
) -> None:
    result = _run(cli, ["timeline", str(EXAMPLE), *args], "ar_EG.UTF-8")
    assert result.exit_code == 2
    ar = messages("ar")
    assert ar.gettext(message) != message, "not translated"
    assert ar.gettext(message, **values) in result.stderr, result.stderr
    assert result.stderr.startswith(ar.gettext("error: %(text)s", text="").strip())


def test_timelines_refusals_follow_lang_once_it_is_a_language() -> None:
    args = ["timeline", str(EXAMPLE), "--lang", "fr", "--tz", "Mars/Olympus"]
    result = _run(cli, args, "C")
    assert result.exit_code == 2
    assert result.stderr.startswith("erreur : --tz : fuseau horaire inconnu 'Mars/Olympus'")


def test_now_is_refused_in_the_locales_language() -> None:
    result = _run(cli, ["--now", "nope", "timeline", str(EXAMPLE)], "zh_CN.UTF-8")
    assert result.exit_code == 2
    assert "'nope' 不是时刻" in result.output, result.output


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("call_id,title\r\n", "colonnes manquantes submitter_name, submitter_email, group, body"),
        (
            "call_id,group,submitter_name,submitter_email,title,body,emial\r\n",
            "colonne inconnue 'emial' (utilisez les noms de colonnes de",
        ),
        (
            "call_id,group,submitter_name,submitter_email,title,body,title\r\n",
            "colonne nommée deux fois : title",
        ),
        ("", "le fichier est vide (une ligne d’en-tête était attendue)"),
    ],
)
def test_an_imports_header_is_refused_in_french(header: str, expected: str, tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text(header, encoding="utf-8")
    args = ["submissions", "import", str(EXAMPLE), str(data), "--store", "memory://"]
    result = _run(cli, args, "fr_FR.UTF-8")
    assert result.exit_code == 2
    assert expected in result.stderr, result.stderr
    assert f"{data}:" in result.stderr  # located: the file, and line 1 when there is one


def test_the_plugins_warning_is_in_russian() -> None:
    result = _run(cli, ["plugins"], "ru_RU.UTF-8", CONSULTKIT_DISABLE_PLUGINS="log_notifer")
    assert result.exit_code == 0
    assert result.stderr.startswith(
        "предупреждение: CONSULTKIT_DISABLE_PLUGINS указывает 'log_notifer', но плагина с таким"
        " именем нет; проверьте написание (плагины: "
    ), result.stderr


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("only the organiser may", "not the submitter")),
        ("fr", ("organisateur", "auteur")),
        ("es", ("organizador", "remitente")),
        ("ru", ("организатор", "отправитель")),
        ("zh", ("组织方", "提交者")),
        ("ar", ("الجهة المنظِّمة", "مقدِّم المساهمة")),
    ],
)
def test_the_roles_of_a_refused_move_are_in_the_readers_language(
    language: str, words: tuple[str, str]
) -> None:
    submission = make_submission(status=SubmissionStatus.SUBMITTED)
    submitter = Actor(role=ActorRole.SUBMITTER, id=submission.submitter.email)
    at = dt.datetime(2020, 1, 20, tzinfo=dt.UTC)
    with pytest.raises(PermissionDeniedError) as refused:
        plan_transition(submission, SubmissionStatus.UNDER_REVIEW, submitter, at)
    said = refused.value.render(language)
    assert all(word in said for word in words), said
    if language != "en":
        assert "organiser" not in said and "submitter" not in said, said


@pytest.mark.parametrize(
    ("language", "choice"),
    [
        ("en", "organiser or submitter"),
        ("fr", "auteur ou organisateur"),
        ("es", "organizador o remitente"),
        ("ru", "организатор или отправитель"),
        ("zh", "提交者或组织方"),
    ],
)
def test_roles_are_joined_as_the_language_joins_a_choice(language: str, choice: str) -> None:
    # Issue 11: "organiser or submitter" was joined with an English "or" in every language.
    roles = frozenset({ActorRole.ORGANISER, ActorRole.SUBMITTER})
    assert _either(roles)(language) == choice


def test_an_imports_refused_rows_are_in_french(tmp_path: Path) -> None:
    # The domain's refusals of a row were passed on as their English str().
    header = "call_id,group,submitter_name,submitter_email,title,body,tracking_number"
    row = "official-submissions,civil-society,Ana,ana@example.org,T,B"
    data = tmp_path / "in.csv"
    data.write_text(
        f"{header}\r\n{row},CK-0000-0000-0000-0000\r\nnope,civil-society,Ana,a@example.org,T,B,\r\n",
        encoding="utf-8",
    )
    args = ["--now", "2020-01-20T09:00:00Z", "submissions", "import", str(EXAMPLE), str(data)]
    result = _run(cli, [*args, "--store", "memory://"], "fr_FR.UTF-8")
    assert result.exit_code == 1
    said = _one_line(result.stderr)
    assert "ne peut pas être aléatoire (il comporte moins de 5 symboles différents)" in said
    assert "n’a pas d’appel 'nope'" in said, said


def test_a_reviews_problems_are_in_the_readers_language() -> None:
    from consultkit.domain.review.scores import review_problems
    from consultkit.i18n import joined

    from .test_review_ranking import ROUND

    problems = review_problems(
        ROUND, scores={"relevance": 6}, passed=None, abstained=False, confidence=9
    )
    assert joined(problems).render("es") == (
        "la confianza va de 1 a 5, no 9; el criterio 'relevance' admite de 1 a 5, no 6;"
        " no hay puntuación para format (puntúe cada criterio, o absténgase)"
    )
    assert str(joined(problems)).startswith("confidence goes from 1 to 5, not 9; criterion")
