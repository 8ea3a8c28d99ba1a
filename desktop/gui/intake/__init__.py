"""Every way files come in (a drop, the Open dialog, start-up arguments, a hand-over from another
launch, the file tree) and the one intake step they all go through, with file filters built from
the readers' own list of formats."""
