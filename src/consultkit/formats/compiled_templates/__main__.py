"""Rewrite the compiled template modules from the templates (see the package docstring)."""

from __future__ import annotations

from pathlib import Path

from consultkit.formats.timeline_html import compiled_page_module


def main() -> None:
    target = Path(__file__).with_name("timeline_page.py")
    target.write_text(compiled_page_module(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
