"""The main window: its panes, actions and saved layout, the job it follows, what it does with a
finished digest, the status bar, banner and password prompt. The only room that wires the others
together."""
