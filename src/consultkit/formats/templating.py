"""Jinja environments that speak the reader's language, from consultkit's one catalogue.

The e-mails and the web pages are Jinja templates whose own words are ``_("…")`` calls;
:func:`install_gettext` gives an environment those calls, bound to the catalogue
(:mod:`consultkit.i18n`) of the language each render names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from consultkit.i18n import Messages, messages

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import jinja2

__all__ = ["install_gettext"]


def install_gettext(environment: jinja2.Environment, *, language_key: str = "language") -> None:
    """Give a Jinja environment ``_``, ``gettext``, ``ngettext`` and ``pgettext``.

    They translate into the language the template context names under ``language_key``
    (each render names its own,
    so one cached environment serves every language), and autoescape like Jinja's
    ``i18n`` extension: the catalogue's text is trusted, the values filled in are not.
    The extension is added here, so ``pybabel extract`` finds the same calls.
    """
    import jinja2
    import markupsafe

    def lookup(context: Any) -> Messages:
        return messages(str(context.get(language_key) or "en"))

    def finish(context: Any, text: str, values: Mapping[str, object]) -> str:
        if context.eval_ctx.autoescape:
            # The catalogue's text is ours; Markup's % escapes every value filled into it.
            return markupsafe.Markup(text) % values if values else text  # noqa: S704
        return text % values if values else text

    @jinja2.pass_context
    def gettext(context: Any, message: str, **values: object) -> str:
        return finish(context, lookup(context).catalogue.gettext(message), values)

    @jinja2.pass_context
    def ngettext(context: Any, singular: str, plural: str, num: int, **values: object) -> str:
        text = lookup(context).catalogue.ngettext(singular, plural, num)
        return finish(context, text, {"num": num, **values})

    @jinja2.pass_context
    def pgettext(context: Any, message_context: str, message: str, **values: object) -> str:
        text = lookup(context).catalogue.pgettext(message_context, message)
        return finish(context, text, values)

    environment.add_extension("jinja2.ext.i18n")
    callables: dict[str, Callable[..., str]] = {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
    }
    environment.globals.update(callables)
