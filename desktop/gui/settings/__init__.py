"""The settings dialog, the file-manager toggle in it, and saving settings with one message when
the disk refuses."""
