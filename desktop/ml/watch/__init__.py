"""Watched sources: the watcher that summarizes what arrives, in the background."""
