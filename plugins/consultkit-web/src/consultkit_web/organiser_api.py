"""The organiser API: submissions with their private fields, review decisions, exports and
statistics, behind bearer tokens made with ``consultkit tokens create``.

A request without a working token is answered 401 (with ``WWW-Authenticate: Bearer``); a
token of another consultation 403. Tokens are checked by the application
(:meth:`~consultkit.app.application.Consultkit.organiser_token`) against their stored
hash; the header is never logged. The OpenAPI document declares the ``bearer`` scheme.
"""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING, Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from consultkit.app.tokens import TokenRefusedError
from consultkit.domain.lifecycle import public_status
from consultkit.domain.submissions import SubmissionStatus
from consultkit.formats.submission_export import declared_fields, full_row
from consultkit_web.pages import consultation_of, site_of
from consultkit_web.problems import ProblemError, documented

if TYPE_CHECKING:
    from consultkit.domain.model import Consultation
    from consultkit.storage.records import ApiToken
    from consultkit_web.site import Site

BEARER = "bearer"
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
PREFIX = "/api/consultations/{consultation_id:str}/organiser"


@dataclasses.dataclass(frozen=True)
class ReviewIn:
    """An organiser's decision on one submission."""

    decision: Literal["under-review", "accepted", "rejected"]
    reason: str | None = None


async def organiser_of(
    request: Request[Any, Any, Any], consultation_id: str
) -> tuple[Site, Consultation, ApiToken]:
    site = site_of(request)
    consultation = consultation_of(site, consultation_id)
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not secret.strip():
            raise TokenRefusedError("send `Authorization: Bearer TOKEN`")
        token = await site.run(site.app.organiser_token, consultation, secret[:512])
    except TokenRefusedError as exc:
        unauthorised = ProblemError(
            401, "token", f"{exc}: make one with `consultkit tokens create CONFIG NAME`"
        )
        unauthorised.headers = {"WWW-Authenticate": 'Bearer realm="consultkit"'}
        raise unauthorised from None
    return site, consultation, token


def _row(consultation: Consultation, submission: Any) -> dict[str, Any]:
    row = full_row(submission, declared_fields(consultation))
    row["public_status"] = public_status(submission.status)
    return row


@get(
    f"{PREFIX}/submissions",
    tags=["organisers"],
    security=SECURITY,
    responses=documented(401, 403),
)
async def organiser_submissions(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    call: Annotated[str | None, QueryParameter(required=False, max_length=200)] = None,
    held: Annotated[bool | None, QueryParameter(required=False)] = None,
) -> list[dict[str, Any]]:
    """Every submission with its private fields (e-mail, tracking number), oldest first;
    ``call`` and ``held`` filter."""
    site, consultation, _ = await organiser_of(request, consultation_id)

    def listed() -> list[dict[str, Any]]:
        found = site.app.list_submissions(consultation, call_id=call, held=held)
        return [_row(consultation, s) for s in found]

    result: list[dict[str, Any]] = await site.run(listed)
    return result


@post(
    f"{PREFIX}/submissions/{{reference:str}}/review",
    tags=["organisers"],
    security=SECURITY,
    status_code=200,
    responses=documented(401, 403, 422),
)
async def organiser_review(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    reference: FromPath[str],
    data: JSONBody[ReviewIn],
) -> dict[str, Any]:
    """Record a review decision (``Consultkit.review``), by the token's name; answers the
    submission as it now is."""
    site, consultation, token = await organiser_of(request, consultation_id)
    changed = await site.run(
        site.app.review,
        consultation,
        reference[:200],
        decision=SubmissionStatus(data.decision),
        organiser=f"token:{token.name}",
        reason=data.reason,
    )
    return _row(consultation, changed)


@get(
    f"{PREFIX}/export",
    tags=["organisers"],
    security=SECURITY,
    responses=documented(401, 403),
)
async def organiser_export(
    request: Request[Any, Any, Any],
    consultation_id: FromPath[str],
    format: Annotated[Literal["csv", "jsonl"], QueryParameter(required=False)] = "csv",
    public: Annotated[bool, QueryParameter(required=False)] = False,
) -> Response[str]:
    """The export of ``consultkit submissions export`` (``public``: the consented view)."""
    site, consultation, _ = await organiser_of(request, consultation_id)

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


@get(
    f"{PREFIX}/stats",
    tags=["organisers"],
    security=SECURITY,
    responses=documented(401, 403),
)
async def organiser_stats(
    request: Request[Any, Any, Any], consultation_id: FromPath[str]
) -> dict[str, Any]:
    """The counts of ``consultkit stats --format json``."""
    site, consultation, _ = await organiser_of(request, consultation_id)
    stats = await site.run(site.app.statistics, consultation)
    document: dict[str, Any] = stats.as_dict()
    return document


ROUTES = [organiser_submissions, organiser_review, organiser_export, organiser_stats]
