"""Small things every room of the GUI uses: the one message bridge, the theme, an eliding label, and
how durations and times left read."""
