"""The source view: a digest's documents with locators in the margin, search, and the scanned page
image beside recognized text."""
