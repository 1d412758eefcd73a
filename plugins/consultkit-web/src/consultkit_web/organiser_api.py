"""The organiser API: submissions with their private fields, review decisions, exports and
statistics, behind bearer tokens made with ``consultkit tokens create``.

A request without a working token is answered 401 (with ``WWW-Authenticate: Bearer``); a
token of another consultation 403. Tokens are checked by the application
(:meth:`~consultkit.app.application.Consultkit.organiser_token`) against their stored
hash; the header is never logged. The OpenAPI document declares the ``bearer`` scheme.

Every route is in one :data:`ROUTER` whose guard, :func:`organiser_guard`, checks the
token before the request's body or parameters are read: a new route is protected by being
put there, and handlers take the checked :class:`Organiser` as a dependency.
"""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING, Annotated, Any, Literal

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from consultkit.app.tokens import TokenRefusedError
from consultkit.domain.lifecycle import public_status
from consultkit.domain.submissions import SubmissionStatus
from consultkit.formats.submission_export import declared_fields, full_row
from consultkit.i18n import deferred
from consultkit_web.pages import consultation_of, site_of
from consultkit_web.problems import ProblemError, documented

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler

    from consultkit.domain.model import Consultation
    from consultkit.storage.records import ApiToken
    from consultkit_web.site import Site


BEARER = "bearer"
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
PREFIX = "/api/consultations/{consultation_id:str}/organiser"
_CHECKED = "consultkit_organiser"
"""Where the guard leaves the checked :class:`Organiser` in the request's state."""


@dataclasses.dataclass(frozen=True)
class ReviewIn:
    """An organiser's decision on one submission."""

    decision: Literal["under-review", "accepted", "rejected"]
    reason: str | None = None


class Organiser:
    """Who a request's bearer token says is asking, for which consultation."""

    # A plain class, not attrs or a dataclass: Litestar (msgspec) would read those as data
    # and convert their fields; a plain one it passes to the handler as it is.
    __slots__ = ("consultation", "site", "token")

    def __init__(self, site: Site, consultation: Consultation, token: ApiToken) -> None:
        self.site = site
        self.consultation = consultation
        self.token = token


async def organiser_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Organiser:
    """The organiser a request's bearer token stands for, checked once per request.

    Raises a 401 problem (with ``WWW-Authenticate: Bearer``) without a working token, 403
    for a token of another consultation, 404 for an unknown consultation.
    """
    checked = connection.state.get(_CHECKED)
    if isinstance(checked, Organiser):
        return checked
    site = site_of(connection)
    consultation = consultation_of(site, str(connection.path_params["consultation_id"]))
    scheme, _, secret = connection.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not secret.strip():
            raise TokenRefusedError(deferred.gettext("send `Authorization: Bearer TOKEN`"))
        token = await site.run(site.app.organiser_token, consultation, secret[:512])
    except TokenRefusedError as exc:
        unauthorised = ProblemError(
            401,
            "token",
            deferred.gettext(
                "%(reason)s: make one with `consultkit tokens create CONFIG NAME`",
                reason=exc.text or str(exc),
            ),
        )
        unauthorised.headers = {"WWW-Authenticate": 'Bearer realm="consultkit"'}
        raise unauthorised from None
    organiser = Organiser(site=site, consultation=consultation, token=token)
    connection.state[_CHECKED] = organiser
    return organiser


async def organiser_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Refuse a request to an organiser route unless its bearer token is one
    (:func:`organiser_of`)."""
    await organiser_of(connection)


async def _organiser(request: Request[Any, Any, Any]) -> Organiser:
    # The guard has run: this reads what it checked.
    return await organiser_of(request)


def _row(consultation: Consultation, submission: Any) -> dict[str, Any]:
    row = full_row(submission, declared_fields(consultation))
    row["public_status"] = public_status(submission.status)
    return row


@get("/submissions", responses=documented(401, 403))
async def organiser_submissions(
    organiser: NamedDependency[Organiser],
    call: Annotated[str | None, QueryParameter(required=False, max_length=200)] = None,
    held: Annotated[bool | None, QueryParameter(required=False)] = None,
) -> list[dict[str, Any]]:
    """Every submission with its private fields (e-mail, tracking number), oldest first;
    ``call`` and ``held`` filter."""
    site, consultation = organiser.site, organiser.consultation

    def listed() -> list[dict[str, Any]]:
        found = site.app.list_submissions(consultation, call_id=call, held=held)
        return [_row(consultation, s) for s in found]

    result: list[dict[str, Any]] = await site.run(listed)
    return result


@post("/submissions/{reference:str}/review", status_code=200, responses=documented(401, 403, 422))
async def organiser_review(
    organiser: NamedDependency[Organiser],
    reference: FromPath[str],
    data: JSONBody[ReviewIn],
) -> dict[str, Any]:
    """Record a review decision (``Consultkit.review``), by the token's name; answers the
    submission as it now is."""
    site, consultation = organiser.site, organiser.consultation
    changed = await site.run(
        site.app.review,
        consultation,
        reference[:200],
        decision=SubmissionStatus(data.decision),
        organiser=f"token:{organiser.token.name}",
        reason=data.reason,
    )
    return _row(consultation, changed)


@get("/export", responses=documented(401, 403))
async def organiser_export(
    organiser: NamedDependency[Organiser],
    format: Annotated[Literal["csv", "jsonl"], QueryParameter(required=False)] = "csv",
    public: Annotated[bool, QueryParameter(required=False)] = False,
) -> Response[str]:
    """The export of ``consultkit submissions export`` (``public``: the consented view)."""
    site, consultation = organiser.site, organiser.consultation

    def exported() -> str:
        out = io.StringIO()
        site.app.export_submissions(consultation, out, format=format, public=public)
        return out.getvalue()

    text: str = await site.run(exported)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"{consultation.id}{'.public' if public else ''}.{format}"
    return Response(
        text,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@get("/stats", responses=documented(401, 403))
async def organiser_stats(organiser: NamedDependency[Organiser]) -> dict[str, Any]:
    """The counts of ``consultkit stats --format json``."""
    site = organiser.site
    stats = await site.run(site.app.statistics, organiser.consultation)
    document: dict[str, Any] = stats.as_dict()
    return document


ROUTER = Router(
    path=PREFIX,
    route_handlers=[organiser_submissions, organiser_review, organiser_export, organiser_stats],
    guards=[organiser_guard],
    dependencies={"organiser": Provide(_organiser)},
    security=SECURITY,
    tags=["organisers"],
)
"""Every organiser route, behind :func:`organiser_guard`."""

ROUTES = [ROUTER]
