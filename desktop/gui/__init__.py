"""The Qt face of Precis, in rooms by feature: window/ (the main window, which wires the rest),
intake/ (every way files come in), jobs/, digest/, source/, models/, settings/, finetune/, and the
shared process/ (child processes and the worker bridge) and common/; app.py starts it all."""
