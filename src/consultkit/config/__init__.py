"""Consultation files: TOML in, :class:`~consultkit.domain.model.Consultation` out.

:mod:`.loader` holds the strict cattrs converter and the loaders; :mod:`.locator` maps a
field path back to its line, so every error says file, line and field.
"""
