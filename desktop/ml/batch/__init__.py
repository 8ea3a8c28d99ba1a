"""Batch runs over thousands of files: a resumable manifest, local worker processes, and Ray Data."""
