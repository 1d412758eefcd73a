"""Templates as the Python modules jinja2 compiles them to, so a process renders without compiling.

``python -m consultkit.formats.compiled_templates`` rewrites them from ``../templates``
(after a template changes or jinja2 is upgraded); a module that no longer matches its
template or the installed jinja2 is not used (``consultkit.formats.timeline_html``).
"""
