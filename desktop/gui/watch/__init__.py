"""Watched sources in the window: the source list (folders now, mailboxes through the same
``WatchSource`` protocol), the service that runs the Qt-free watcher off the GUI thread and turns
its events into signals, the recent arrivals, the Watched view and the tray icon that notifies."""
