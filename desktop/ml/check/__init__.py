"""The check stage: every point against the passage it cites. Facts first, without a model
(numbers, dates, names, negations, normalised), then FLAN-T5's entailment; citations narrow to
the supporting sentences. The same code checks ``precis-cli verify``'s claims."""
