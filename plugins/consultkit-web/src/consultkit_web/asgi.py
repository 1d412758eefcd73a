"""Build the ASGI application: pages, API, feeds, and the protections around them.

:func:`create_app` is what ``consultkit serve`` runs and what an integrator mounts inside
their own site. The protections are Litestar's own (CSRF, rate limits, the request body
limit); the security headers are set on every response, errors and 429s included.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
)
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from consultkit.formats.templating import install_gettext
from consultkit_web import api, files, organiser_api, pages
from consultkit_web.problems import handle
from consultkit_web.site import Site

if TYPE_CHECKING:
    from collections.abc import Sequence

    from litestar.stores.base import Store
    from litestar.types import Message, Scope

    from consultkit.app.application import Consultkit
    from consultkit.domain.model import Consultation

HERE = Path(__file__).parent
VERSION = "0.1.0"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class CountingRateLimit(RateLimitMiddleware):
    """Litestar's fixed-window limiter, keeping a count instead of every timestamp.

    Litestar stores one timestamp per request of the window and decodes and re-encodes
    them all on every request, so each request costs more the more came before it in the
    minute (the submit benchmark's profile: most of the web stack's own cost, growing with
    the run). Only their number and the window's end are ever read, so this stores those
    two: the same window, the same 429s and headers, in constant time.
    """

    async def retrieve_cached_history(self, key: str, store: Store) -> CacheObject:
        now = int(time.time())
        cached = await store.get(key)
        if cached:
            count, _, reset = cached.decode().partition(" ")
            if int(reset) > now:
                # Only len(history) is read (the limit check and the headers).
                return CacheObject(history=cast("list[int]", range(int(count))), reset=int(reset))
        return CacheObject(history=[], reset=now + DURATION_VALUES[self.unit])

    async def set_cached_history(self, key: str, cache_object: CacheObject, store: Store) -> None:
        count = len(cache_object.history) + 1
        cache_object.history = cast("list[int]", range(count))
        await store.set(key, f"{count} {cache_object.reset}", expires_in=DURATION_VALUES[self.unit])


class TrackRateLimit(CountingRateLimit):
    """A separate, stricter budget for tracking-number lookups (its own cache key)."""


_SECURITY_HEADER_LINES = tuple(
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
)


async def security_headers(message: Message, scope: Scope) -> None:
    """Set the security headers on every response; a 429 also says when to retry.

    One pass over the response's header lines, then the missing ones appended: setting
    them one by one through ``MutableScopeHeaders`` scanned the list once per header, a
    measurable share of the submit benchmark's web overhead.
    """
    if message["type"] != "http.response.start":
        return
    lines = message.setdefault("headers", [])
    present = {bytes(name).lower() for name, _ in lines}
    if isinstance(lines, list) and present.isdisjoint(n for n, _ in _SECURITY_HEADER_LINES):
        lines.extend(_SECURITY_HEADER_LINES)
    else:
        # A handler's own header is kept: a served attachment's CSP is stricter still.
        headers = MutableScopeHeaders(message)
        for name, value in SECURITY_HEADERS.items():
            if name.encode("latin-1") not in present:
                headers[name] = value
    if message["status"] == 429 and b"retry-after" not in present:
        headers = MutableScopeHeaders(message)
        headers["retry-after"] = headers.get("ratelimit-reset") or "60"


def create_app(
    app: Consultkit,
    consultations: Sequence[Consultation],
    *,
    secret: str | None = None,
    requests_per_minute: int = 120,
    lookups_per_minute: int = 20,
    max_body_bytes: int = 256 * 1024,
    debug: bool = False,
) -> Litestar:
    """The web front end of ``consultations`` on the application ``app``.

    ``secret`` signs the CSRF cookies (give the same one to every worker process; a random
    one is made when None). ``requests_per_minute`` is each client's budget for the whole
    site, ``lookups_per_minute`` its budget for tracking lookups; bodies larger than
    ``max_body_bytes`` are answered 413, except submits to a call taking files, which may
    add those files (:meth:`Site.body_limit`).
    """
    site = Site.of(app, consultations, max_body_bytes=max_body_bytes)
    lookups = RateLimitConfig(
        rate_limit=("minute", lookups_per_minute), middleware_class=TrackRateLimit
    )
    return Litestar(
        route_handlers=[
            *api.ROUTES,
            *organiser_api.ROUTES,
            *files.ROUTES,
            *pages.ROUTES,
            # Only the submit routes take a larger body, and each checks its own call's.
            Router(
                path="/",
                route_handlers=[pages.submit_form, pages.submit_post, api.post_submission],
                request_max_body_size=site.largest_body(),
            ),
            Router(
                path="/",
                route_handlers=[pages.track_page, api.get_status],
                middleware=[lookups.middleware],
            ),
            create_static_files_router(
                path="/static", directories=[HERE / "static"], include_in_schema=False
            ),
        ],
        state=_state(site),
        csrf_config=CSRFConfig(
            secret=secret or secrets.token_urlsafe(32),
            cookie_httponly=True,
            cookie_samesite="strict",
            # The API takes no cookies, so a forged cross-site request carries nothing.
            exclude=["^/api/"],
        ),
        middleware=[
            RateLimitConfig(
                rate_limit=("minute", requests_per_minute),
                exclude=["^/static/"],
                middleware_class=CountingRateLimit,
            ).middleware
        ],
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            # The pages' words come from consultkit's catalogue, in each page's language.
            engine_callback=lambda engine: install_gettext(engine.engine, language_key="lang"),
        ),
        openapi_config=OpenAPIConfig(
            title="consultkit web API",
            version=VERSION,
            path="/api/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    organiser_api.BEARER: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A token from `consultkit tokens create CONFIG NAME`.",
                    )
                }
            ),
        ),
        exception_handlers={Exception: handle},
        before_send=[security_headers],
        request_max_body_size=max_body_bytes,
        debug=debug,
    )


def _state(site: Site) -> State:
    return State({"site": site})
