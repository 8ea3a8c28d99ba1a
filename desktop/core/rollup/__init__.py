"""The roll-up: a second, short road over digests already made (no document is read again)."""
