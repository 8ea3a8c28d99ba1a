"""Readers of the web's formats: HTML pages, saved web pages (MHTML) and EPUB e-books."""
