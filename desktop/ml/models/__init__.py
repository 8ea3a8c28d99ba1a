"""The model store: which models exist (catalog), how they are downloaded (download through
huggingface_hub, hub_transfer, hub_env) or found already on the computer (hf_cache), how a folder
is checked (validate) and imported, the manifest that marks it installed (and model_arrived, called
once it is), fine-tuned adapters, and the random-weight models tests and benchmarks build. Changes
when storage changes."""
