"""The Qt-free core: documents, readers, chunking, prompts, digests, cache, paths and settings.

Nothing under this package may import Qt; ``tests/core/test_qt_free.py`` proves it.
"""
