"""The model store: which models exist (catalog), where they are downloaded from (download, hub_api),
how a folder is checked (validate) and imported, the manifest that marks it installed, fine-tuned
adapters, and the random-weight models tests and benchmarks build. Changes when storage changes."""
