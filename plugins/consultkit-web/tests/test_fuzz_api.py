"""The API fuzzed from its own OpenAPI document: no 500, every response as documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from consultkit_web import create_app
from hypothesis import HealthCheck, given, settings

from consultkit.app.application import Consultkit
from consultkit.config.loader import load_consultation
from consultkit.domain.clock import FixedClock, parse_instant

MAX_EXAMPLES = 30
WSIS = Path(__file__).resolve().parents[3] / "examples" / "wsis2020" / "consultation.toml"


def test_api_matches_its_openapi_document() -> None:
    """Each operation, with generated requests: no 500, status and body as documented."""
    app = Consultkit.open("memory://", clock=FixedClock(parse_instant("2020-01-15T10:00:00Z")))
    web = create_app(
        app,
        [load_consultation(WSIS)],
        requests_per_minute=100_000,
        lookups_per_minute=100_000,
    )
    schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", web)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    try:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.call_and_validate()

            check()
    finally:
        app.close()
