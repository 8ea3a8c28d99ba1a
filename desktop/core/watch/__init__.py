"""Watched sources, Qt-free and model-free: what is in a folder (or, later, a mailbox) now, what
has stopped changing, what to ignore, and the events a watcher reports."""
