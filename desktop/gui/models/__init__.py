"""The model store as the window shows it: the model manager dialog, its tasks in child processes,
and the toolbar's model picker."""
