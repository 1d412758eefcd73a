"""consultkit-web: the front door where stakeholders submit, follow and subscribe.

:func:`create_app` builds the ASGI application on a
:class:`~consultkit.app.application.Consultkit`; ``consultkit serve`` runs it.
"""

from consultkit_web.asgi import create_app

__all__ = ["create_app"]
