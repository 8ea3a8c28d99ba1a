"""Readers of office files other than Word: PowerPoint, Excel, OpenDocument, RTF."""
