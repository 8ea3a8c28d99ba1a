"""The model-free engine: quotes the most central sentences with exact citations and guesses labels
from cues. Needs no download; also the fallback when no model is installed."""
