"""The child-process plumbing the window talks through: a spawned child and its pipes
(``child_process``), the summarizing worker's bridge where a worker's message becomes a Qt signal
(``worker_bridge``), and the one-off task with Cancel (``child_task``) that model tasks and
fine-tuning runs are."""
