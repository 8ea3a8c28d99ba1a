"""The Roll-up view: one page over the digests in History for a period (today, this week, a
range) and a choice of sources (everything, watched folders, a folder, chosen digests): decisions,
what I owe, what I'm owed and the deadlines in date order, each item's citations opening the
source view; "me" editable in place; export to Markdown, JSON and an .ics calendar file."""
