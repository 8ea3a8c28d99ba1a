"""Precis beside the rest of the desktop, Qt-free: the message a second launch hands to the running
window (versioned JSON, validated), where that window listens, and the file-manager entries
(Nautilus script, Nemo action, Dolphin service menu, .desktop, Windows verbs, macOS Quick Action)
with the record of what was written so that uninstall removes exactly that."""
