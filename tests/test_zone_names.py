"""Zone names: only places (Region/City) and UTC; legacy names get a suggestion."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from consultkit.cli import cli
from consultkit.config.loader import loads_consultation
from consultkit.domain.windows import check_zone, is_place_zone
from consultkit.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wsis2020" / "consultation.toml"


@pytest.mark.parametrize(
    "name", ["Europe/Zurich", "UTC", "Etc/UTC", "America/Argentina/Buenos_Aires", "Asia/Tokyo"]
)
def test_places_and_utc_are_accepted(name: str) -> None:
    assert is_place_zone(name)
    assert check_zone(name) == name


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("US/Eastern", "America/New_York"),
        ("Japan", "Asia/Tokyo"),
        ("CET", None),
        ("EST5EDT", None),
        ("Etc/GMT-2", None),
    ],
)
def test_legacy_names_are_refused_with_a_place_to_use(name: str, suggestion: str | None) -> None:
    with pytest.raises(ValueError, match="not a place") as info:
        check_zone(name)
    if suggestion is not None:
        assert f"'{suggestion}', which has the same rules" in str(info.value)
    else:
        assert "Region/City" in str(info.value)


def test_the_loader_refuses_a_legacy_zone_naming_line_and_field() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'zone = "Europe/Zurich"', 'zone = "US/Eastern"', 1
    )
    with pytest.raises(ConfigError) as info:
        loads_consultation(text, file="c.toml")
    (problem,) = [p for p in info.value.problems if p.path == "zone"]
    assert problem.line is not None
    assert "America/New_York" in str(problem)


def test_timeline_refuses_a_legacy_reader_zone() -> None:
    result = CliRunner().invoke(
        cli, ["timeline", str(EXAMPLE), "--tz", "CET", "--at", "2019-06-04T14:30:00Z"]
    )
    assert result.exit_code == 2
    assert "not a place" in result.stderr
    assert "Traceback" not in result.output
