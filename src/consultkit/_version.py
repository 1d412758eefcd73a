"""The version, kept in one place so ``--version`` needs no metadata lookup."""

__version__ = "0.1.0"
