"""The domain: consultations, time windows, schedules and submissions as pure values.

Nothing here does I/O or calls a plugin; every module is frozen attrs values and pure
functions, so it is tested with hypothesis. Nothing here imports from another layer.
"""
