"""Problems as ``application/problem+json`` (RFC 9457) for the API, as a page for people.

Every refusal names the rule that refused (``rule``), the same name the command line and
the library use, so software can tell "call closed" from "group not eligible". The rule and
the ``type`` are data, the same in every language; the ``detail`` is for the person reading
it, in the language the request asks for (``Accept-Language``; English without one).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Template

from consultkit.domain.rendering import listed
from consultkit.errors import (
    ConsultkitError,
    PermissionDeniedError,
    RuleRefusedError,
    UnknownItemError,
)
from consultkit.i18n import Text, deferred, messages
from consultkit_web.labels import error_title
from consultkit_web.site import pick_language, reader_language

PROBLEM_JSON = "application/problem+json"


@dataclasses.dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem document with consultkit's rule name."""

    type: str
    title: str
    status: int
    detail: str
    rule: str
    errors: list[dict[str, str]] | None = None
    """Litestar's own field errors (``key``, ``source``, ``message``) when it refused the
    request's fields: data for programs, its English, left out of other problems."""

    @staticmethod
    def spec(description: str) -> ResponseSpec:
        return ResponseSpec(
            data_container=Problem, description=description, media_type=PROBLEM_JSON
        )


def documented(*extra: int) -> dict[int, ResponseSpec]:
    """The problem responses every API operation may give, plus ``extra`` ones."""
    reasons = {
        400: "the request could not be read (the problem names the field)",
        401: "no working bearer token: send `Authorization: Bearer TOKEN`",
        403: "the token is for another consultation",
        404: "no such consultation, call or submission",
        409: "a request with this Idempotency-Key is still being processed",
        413: "the request body is too large",
        422: "refused by a rule (named in `rule`)",
        429: "too many requests from this client: see Retry-After",
    }
    return {code: Problem.spec(reasons[code]) for code in (400, 404, 429, *extra)}


class ProblemError(HTTPException):
    """An HTTP error that carries the rule's name.

    A :class:`~consultkit.i18n.Text` detail is worded for each reader (issue 11);
    ``detail`` keeps its English.
    """

    def __init__(self, status_code: int, rule: str, detail: str | Text) -> None:
        super().__init__(detail=str(detail), status_code=status_code)
        self.rule = rule
        self.text = detail if isinstance(detail, Text) else None

    def render(self, language: str | None) -> str:
        """The detail in ``language`` (English where it was written as a plain string)."""
        return self.text.render(language) if self.text is not None else str(self.detail)


def problem(status: int, rule: str, detail: str | Text) -> ProblemError:
    return ProblemError(status, rule, detail)


def _status_rule_detail(exc: Exception, language: str) -> tuple[int, str, str]:
    if isinstance(exc, ProblemError):
        return exc.status_code, exc.rule, exc.render(language)
    if isinstance(exc, PermissionDeniedError) and exc.rule == "token-scope":
        return 403, exc.rule, exc.render(language)
    if isinstance(exc, RuleRefusedError):
        return 422, exc.rule, exc.render(language)
    if isinstance(exc, UnknownItemError):
        return 404, "unknown-item", exc.render(language)
    if isinstance(exc, HTTPException):
        # Litestar's own refusal: its detail is English, so the reader gets ours.
        rule = {
            400: "request",
            403: "csrf",
            404: "not-found",
            413: "body-too-large",
            415: "content-type",
            429: "rate-limit",
        }.get(exc.status_code, "http")
        fields = [str(e.get("key") or "body") for e in field_errors(exc) or ()]
        if fields:
            text = deferred.gettext(
                "these fields of the request do not fit the API: %(fields)s; check them"
                " against its schema (`/api/schema`)",
                fields=listed(fields),
            )
            return exc.status_code, rule, text.render(language)
        if exc.status_code == 400:
            text = deferred.gettext(
                "the request's body could not be read: send JSON in UTF-8, as the API's"
                " schema (`/api/schema`) describes"
            )
            return exc.status_code, rule, text.render(language)
        return exc.status_code, rule, error_title(exc.status_code, messages(language))
    if isinstance(exc, ConsultkitError):
        return 400, "consultkit", exc.render(language)
    return (
        500,
        "internal",
        messages(language).gettext("the server failed; the request was not completed"),
    )


def field_errors(exc: Exception) -> list[dict[str, str]] | None:
    """Litestar's errors of the request's fields, as data; None when it named none."""
    if not isinstance(exc, ValidationException) or not isinstance(exc.extra, list):
        return None
    found = [
        {str(k): str(v) for k, v in e.items() if v is not None}
        for e in exc.extra
        if isinstance(e, dict)
    ]
    return found or None


def status_of(exc: Exception) -> int:
    """The HTTP status ``exc`` is answered with."""
    return _status_rule_detail(exc, "en")[0]


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Answer any error: problem+json under ``/api``, a short page elsewhere."""
    if status_of(exc) >= 500:
        request.logger.exception("request failed: %s", request.url.path)
    headers = dict(getattr(exc, "headers", None) or {})
    if request.url.path.startswith("/api/") or "json" in request.headers.get("accept", ""):
        asked = reader_language(request.headers.get("accept-language"))
        status, rule, detail = _status_rule_detail(exc, asked)
        body = Problem(
            type=f"https://consultkit.invalid/problems/{rule}",
            # The API's problems are for programs: their title is always English.
            title=error_title(status, messages("en")),
            status=status,
            detail=detail,
            rule=rule,
            errors=field_errors(exc),
        )
        content = {k: v for k, v in dataclasses.asdict(body).items() if v is not None}
        return Response(content, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    language = "en"
    site = request.app.state.get("site")
    if site is not None:
        first = next(iter(site.consultations.values()))
        language = pick_language(
            first, request.query_params.get("lang"), request.headers.get("accept-language")
        )
    status, rule, detail = _status_rule_detail(exc, language)
    context = {
        "lang": language,
        "dir": "ltr",
        "title": error_title(status, messages(language)),
        "status": status,
        "detail": detail if status < 500 else "",
        "switch": [],
        "home": "/",
        "q": "",
    }
    return Template(
        template_name="error.html", context=context, status_code=status, headers=headers
    )
