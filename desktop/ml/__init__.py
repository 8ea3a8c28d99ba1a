"""The Qt-free machine-learning side: model catalog and store, backends, summarizer, fine-tuning."""
