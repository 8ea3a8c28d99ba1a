"""OCR for pages and images without a text layer: Tesseract (tesserocr), run page by page in parallel."""
