"""Sentences to cited points, shared by both engines: the sentence pool of a job, TextRank, list
items (decisions, actions, asks, deadlines) and citations back to the exact block and locator."""
