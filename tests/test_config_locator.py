"""The key locator: field paths to lines, for every way TOML writes a key."""

from __future__ import annotations

from consultkit.config.locator import KeyLocator

TEXT = '''\
id = "c"                                  # 1
title.en = "T"                            # 2
"quoted key" = 1                          # 3
description = """                         # 4
[[phases]] inside a string is not a header
"""
[[phases]]                                # 7
id = "a"                                  # 8
window = { kind = "days", first = 2020-01-01 }  # 9

[[phases]]                                # 11
id = "b"                                  # 12

[phases.window]                           # 14
kind = "exact"                            # 15

[[phases.activities]]                     # 17
id = "x"                                  # 18

[[phases.activities]]                     # 20
id = "y"                                  # 21

[contact]                                 # 23
email = "a@example.org"                   # 24
'''


def test_every_kind_of_key_is_found() -> None:
    locator = KeyLocator.scan(TEXT)
    expected = {
        "id": 1,
        "title.en": 2,
        "quoted key": 3,
        "description": 4,
        "phases[0]": 7,
        "phases[0].id": 8,
        "phases[0].window.first": 9,
        "phases[1].id": 12,
        "phases[1].window": 14,
        "phases[1].window.kind": 15,
        "phases[1].activities[0].id": 18,
        "phases[1].activities[1].id": 21,
        "contact.email": 24,
    }
    assert {path: locator.line_of(path) for path in expected} == expected


def test_unknown_paths_fall_back_to_the_nearest_parent() -> None:
    locator = KeyLocator.scan(TEXT)
    assert locator.line_of("phases[1].window.end") == 14
    assert locator.line_of("phases[1].activities[1].title.en") == 20
    assert locator.line_of("title") == 2
    assert locator.line_of("nothing.here") is None
