"""Attached files, served as downloads only, to organisers or where the submitter agreed.

A file is never rendered by the browser on this origin: ``Content-Disposition:
attachment``, ``X-Content-Type-Options: nosniff`` and a CSP that allows nothing, so even a
file that slipped past the type check could run no script here. Without a bearer token
only files of public submissions whose submitter agreed to publish the text are served;
every other request gets the same 404 as a file that does not exist.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.params import FromPath  # noqa: TC002 (Litestar reads handler signatures at runtime)

from consultkit.errors import UnknownItemError
from consultkit.i18n import deferred
from consultkit_web.organiser_api import SECURITY, organiser_of
from consultkit_web.pages import consultation_of, site_of
from consultkit_web.problems import ProblemError, documented

FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
"""Nothing may load, run or frame: a download has no business doing any of it."""


def disposition(name: str) -> str:
    """``Content-Disposition: attachment`` with ``name`` as ASCII and as UTF-8 (RFC 6266)."""
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


@get(
    "/api/consultations/{consultation_id:str}/submissions/{reference:str}"
    "/attachments/{file_id:str}",
    tags=["submissions"],
    security=[{}, *SECURITY],
    responses=documented(401, 403),
    media_type="application/octet-stream",
    summary="Download one attached file",
    description="The file as a download. Organisers (bearer token) get any; without a token"
    " only files of public submissions whose submitter agreed to publish the text.",
)
async def attachment_file(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    reference: FromPath[str],
    file_id: FromPath[str],
) -> Response[bytes]:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    organiser = "authorization" in request.headers
    if organiser:
        await organiser_of(request)  # 401 or 403 unless it is one
    try:
        stored = await site.run(
            site.app.attachment, consultation, reference[:200], file_id[:64], organiser=organiser
        )
    except UnknownItemError:
        raise ProblemError(
            404,
            "attachment",
            deferred.gettext("no such file here: check the link, or ask the organisers"),
        ) from None
    return Response(
        stored.content,
        media_type=stored.media_type or "application/octet-stream",
        headers={
            "content-disposition": disposition(stored.name),
            "x-content-type-options": "nosniff",
            "content-security-policy": FILE_CSP,
            "cache-control": "private, no-store" if organiser else "public, max-age=300",
        },
    )


ROUTES = [attachment_file]
