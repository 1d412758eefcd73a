"""The plugin host: one typed facade over a pluggy manager per application.

Hookspecs live in :mod:`consultkit.hookspecs`; :mod:`.host` loads the built-in plugins,
then the ``consultkit`` entry points, and calls hooks for the rest of consultkit.
"""
