"""Precis: summarize documents on your own machine with a local FLAN-T5."""

__version__ = "0.1.0"
