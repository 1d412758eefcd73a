"""The positional builders the drain uses (issue 14): same values, refused where unsafe."""

from __future__ import annotations

import attrs
import pytest

from consultkit.trusted_values import trusted_builder


@attrs.frozen(kw_only=True)
class Pair:
    left: str
    right: int = attrs.field(default=0, converter=int)


def test_a_builder_sets_every_field_in_order_and_converts_nothing() -> None:
    build = trusted_builder(Pair)
    assert build("a", 2) == Pair(left="a", right=2)
    assert build("a", "2").right == "2"  # the caller's promise: values already converted
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        build("a", 2).left = "b"


def test_a_class_whose_init_does_more_is_refused() -> None:
    @attrs.frozen
    class Checked:
        value: int

        def __attrs_post_init__(self) -> None:
            """A check a builder would skip."""

    @attrs.frozen(slots=False)
    class Plain:
        value: int

    for cls in (Checked, Plain, dict):
        with pytest.raises(TypeError, match="slotted attrs class"):
            trusted_builder(cls)
