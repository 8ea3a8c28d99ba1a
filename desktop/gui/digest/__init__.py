"""The digest on show: its view with citation links and edits, the preview while a job runs, the
PDF export, and History."""
