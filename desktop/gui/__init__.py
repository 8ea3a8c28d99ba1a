"""The Qt face of Precis: the window, its views and the bridge to the worker process."""
