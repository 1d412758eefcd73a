"""Storage: the :class:`~consultkit.storage.protocols.Store` protocol and its backends.

Every store method is one transaction; the outbox event is written in the same one as
the change that caused it.
"""
