"""A plugin's section of the compilation report (the ``analyse_submissions`` hook).

Its own small module so the plugin host can check what plugins return without loading
the report's machinery; :mod:`consultkit.formats.report` re-exports it.
"""

from __future__ import annotations

import attrs

from consultkit.value_methods import shared_value_methods


@attrs.frozen(kw_only=True)
@shared_value_methods
class Analysis:
    """A section a plugin adds through the ``analyse_submissions`` hook.

    ``paragraphs`` are plain text. ``cites`` are the ids of the submissions the section
    draws on: every one must exist, or the section is left out with a warning. ``method``
    says how it was made (a model's name and version, say). The report always labels the
    section as machine-made, whatever the plugin writes.
    """

    title: str
    paragraphs: tuple[str, ...]
    cites: tuple[str, ...]
    method: str = ""


__all__ = ["Analysis"]
