"""The domain: consultations, time windows, schedules and submissions as pure values.

Nothing here does I/O or calls a plugin; every module is frozen attrs values and pure
functions, so it is tested with hypothesis. Nothing here imports from another layer.
"""

# Importing the renderers registers them on ``windows.render_window``, so that every
# window can render itself however the domain was imported; rendering imports windows,
# never the other way round.
from consultkit.domain import rendering as rendering
