"""A plugin implementing a hook consultkit does not define."""

from typing import Any

from consultkit import hookimpl


@hookimpl
def submision_received(consultation: Any, submission: Any, receipt: Any) -> None:
    """Misspelt on purpose."""
