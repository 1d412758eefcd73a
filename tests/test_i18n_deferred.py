"""Words written before the reader is known (errors, warnings) are worded at the edge."""

from __future__ import annotations

from consultkit.errors import ConfigError, Problem, RuleRefusedError
from consultkit.i18n import Text, deferred, messages


def test_deferred_text_renders_in_the_readers_language_and_str_is_english() -> None:
    text = deferred.gettext("Deadline: %(title)s", title="X")
    assert isinstance(text, Text)
    assert str(text) == "Deadline: X"
    assert text.render("fr") == messages("fr").gettext("Deadline: %(title)s", title="X")
    assert text.render("fr") != str(text)


def test_deferred_plural_and_context_pick_the_languages_forms() -> None:
    plural = deferred.ngettext("%(num)s call", "%(num)s calls", 3)
    assert plural.render("fr") == messages("fr").ngettext("%(num)s call", "%(num)s calls", 3)
    assert str(plural) == "3 calls"
    context = deferred.pgettext("table heading", "status")
    assert context.render("fr") == messages("fr").pgettext("table heading", "status")


def test_a_text_inside_a_text_is_rendered_in_the_same_language() -> None:
    inner = deferred.pgettext("table heading", "status")
    outer = deferred.gettext("Deadline: %(title)s", title=inner)
    assert outer.render("fr") == messages("fr").gettext(
        "Deadline: %(title)s", title=messages("fr").pgettext("table heading", "status")
    )


def test_errors_keep_english_for_logs_and_render_for_the_reader() -> None:
    refusal = RuleRefusedError("call-closed", deferred.gettext("Deadline: %(title)s", title="X"))
    assert str(refusal) == "Deadline: X"
    assert refusal.render("es") == messages("es").gettext("Deadline: %(title)s", title="X")
    plain = RuleRefusedError("call-closed", "plain words")
    assert plain.render("es") == "plain words"


def test_config_problems_render_their_message_and_hint_in_the_readers_language() -> None:
    problem = Problem(
        path="calls[0].title",
        message=deferred.gettext("Deadline: %(title)s", title="X"),
        hint=deferred.pgettext("table heading", "status"),
        file="c.toml",
        line=4,
    )
    error = ConfigError([problem])
    assert str(problem) == "c.toml:4: calls[0].title: Deadline: X (status)"
    words = messages("ru")
    expected = (
        f"c.toml:4: calls[0].title: {words.gettext('Deadline: %(title)s', title='X')}"
        f" ({words.pgettext('table heading', 'status')})"
    )
    assert problem.render("ru") == expected
    assert error.render("ru") == expected
