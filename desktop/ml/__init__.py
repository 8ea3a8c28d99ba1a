"""The Qt-free machine-learning side, one room per concern: models/ (store, download), backends/
(running a loaded model), engine/ (map-merge summarizer), points/, extractive/, finetune/, worker,
and protocol (the typed messages between the window and its child processes)."""
