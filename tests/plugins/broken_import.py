"""A plugin that cannot be imported (a missing dependency)."""

import consultkit_dependency_that_does_not_exist  # noqa: F401
