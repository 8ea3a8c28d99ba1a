"""From a Document to the prompts a model reads: sentence splitting, token-budgeted chunking, the
versioned prompt templates, and the rule that a chunk fits every prompt made from it."""
