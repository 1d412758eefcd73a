"""consultkit-web: the front door where stakeholders submit, follow and subscribe.

:func:`create_app` builds the ASGI application on a
:class:`~consultkit.app.application.Consultkit`; ``consultkit serve`` runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultkit.lazy import lazy_names

if TYPE_CHECKING:
    from consultkit_web.asgi import create_app

# Start-up (issue 14): consultkit imports this package whenever it loads its plugins, i.e.
# on nearly every CLI run, so the public names load litestar and uvicorn on first use, not here
# (PEP 562; benchmarks/bench_startup.py).
_LAZY = {
    "create_app": "consultkit_web.asgi",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "create_app",
]
