"""Benchmark: the typed facade's event-hook dispatch against a raw pluggy hook call.

Both run in the same process on the same plugin manager, with 1 and 3 implementations,
so the ratio is comparable across machines. Target: facade <= 1.5x raw pluggy. The facade
calls implementations one by one (to attribute and contain failures), which costs about
what pluggy's own loop costs.

    python benchmarks/bench_hooks.py           # full run; exit 1 if over target
    python benchmarks/bench_hooks.py --smoke   # a quick run for CI; never fails on speed
"""

from __future__ import annotations

import argparse
import sys
import timeit
from typing import Any

from consultkit import hookimpl
from consultkit.domain.submissions import Receipt
from consultkit.pluginhost.host import PluginHost
from consultkit.testing.factories import make_submission

TARGET = 1.5


def _plugin(n: int) -> object:
    class Listener:
        @hookimpl
        def submission_received(self, consultation: Any, submission: Any, receipt: Any) -> None:
            return None

        @hookimpl
        def validate_submission(self, consultation: Any, submission: Any) -> None:
            return None

    Listener.__name__ = f"listener{n}"
    return Listener()


def measure(implementations: int, number: int, repeat: int, hook: str) -> tuple[float, float]:
    """Best time per call (ns) of ``hook`` through the facade and through raw pluggy."""
    host = PluginHost.load(defaults=False, entry_points=False)
    for n in range(implementations):
        host.register(_plugin(n), name=f"listener{n}")
    submission = make_submission(1)
    receipt = Receipt(
        tracking_number=submission.tracking_number,
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        call_id=submission.call_id,
        received_at=submission.received_at,
        status=submission.status,
    )
    consultation: Any = object()
    raw_hook = getattr(host._pm.hook, hook)  # the benchmark is allowed to peek

    def facade() -> None:
        if hook == "validate_submission":
            host.validate_submission(consultation, submission)
        else:
            host.submission_received(consultation, submission, receipt)

    settings: dict[str, Any] = {}

    def raw() -> None:
        if hook == "validate_submission":
            raw_hook(consultation=consultation, submission=submission, settings=settings)
        else:
            raw_hook(
                consultation=consultation, submission=submission, receipt=receipt, settings=settings
            )

    facade()
    raw()
    best_facade = min(timeit.repeat(facade, number=number, repeat=repeat)) / number * 1e9
    best_raw = min(timeit.repeat(raw, number=number, repeat=repeat)) / number * 1e9
    return best_facade, best_raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="few iterations, no speed check")
    args = parser.parse_args(argv)
    number, repeat = (2_000, 3) if args.smoke else (50_000, 7)
    worst = 0.0
    for hook in ("submission_received", "validate_submission"):
        for implementations in (1, 3):
            facade, raw = measure(implementations, number, repeat, hook)
            ratio = facade / raw
            worst = max(worst, ratio)
            print(
                f"{hook}, {implementations} implementation(s): facade {facade:,.0f} ns, "
                f"raw pluggy {raw:,.0f} ns, ratio {ratio:.2f}x (target <= {TARGET}x)"
            )
    if not args.smoke and worst > TARGET:
        print(f"FAIL: facade dispatch is {worst:.2f}x raw pluggy", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
