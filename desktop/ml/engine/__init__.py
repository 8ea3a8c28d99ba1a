"""The model engine: a job's files -> chunks -> prompts -> generations (through the cache) ->
balanced merges -> one cited Digest; plus classification by likelihood, length presets, output
quality checks and ROUGE evaluation. Changes when how Precis summarizes with a model changes."""
