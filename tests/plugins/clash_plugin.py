"""A plugin that registers a store scheme a default plugin already owns."""

from typing import Any

from consultkit import hookimpl


@hookimpl
def register_stores(register: Any) -> None:
    register("sqlite", lambda url: None)
