"""What a document's blocks are for: furniture (references, contents, footers, procedure) and sections."""
