"""Safety limits for reading untrusted files: explicit settings with sensible defaults.

Every reader consults these before doing work proportional to something an attacker controls
(file size, decompressed size, page count, nesting depth, part count).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 100 * 1024 * 1024
    #: Total bytes a ZIP container (.docx) may inflate to, and the largest expansion ratio per member.
    max_unzipped_bytes: int = 256 * 1024 * 1024
    max_zip_ratio: int = 200
    max_zip_members: int = 5000
    max_pages: int = 2000
    #: Characters of text one document may yield; beyond it the rest is dropped with a warning.
    max_chars: int = 20_000_000
    #: Email nesting (attachments inside attachments) and the parts one message may have.
    max_depth: int = 5
    max_mime_parts: int = 1000
    max_messages: int = 20_000
    max_attachment_bytes: int = 50 * 1024 * 1024
    #: Mail stores (Maildir, Thunderbird, Apple Mail, Outlook data files, IMAP): one message larger
    #: than this is skipped, one read of a store takes in at most this many bytes of messages, and a
    #: store shows at most this many folders. ``max_messages`` and ``max_chars`` hold for a whole
    #: store read as they do for one mailbox file.
    max_message_bytes: int = 64 * 1024 * 1024
    max_store_bytes: int = 2 * 1024 * 1024 * 1024
    max_folders: int = 2000
    #: The IMAP cache (messages fetched, kept by UIDVALIDITY/UID), all accounts together: beyond
    #: it the least recently used messages are removed (``mailstores/imap_cache_trim.py``).
    max_imap_cache_bytes: int = 500 * 1024 * 1024
    #: OCR: pages recognized per document, pixels one image may decode to (a 600 dpi Letter scan
    #: is 34 million; a 30000 x 30000 PNG, 900 million, is refused before it is decoded), and the
    #: time one page may take.
    max_ocr_pages: int = 500
    max_image_pixels: int = 64_000_000
    ocr_page_seconds: float = 60.0
    #: Slides of one presentation, and cells one workbook may hold in all (a million-cell sheet
    #: reads in a few seconds, streamed; beyond the limit the rest is left out with a warning).
    max_slides: int = 2000
    max_cells: int = 5_000_000
    #: Chapters of one e-book.
    max_chapters: int = 2000
    #: XML a reader must hold whole in memory: OpenDocument text and slides (odfpy keeps about 14
    #: bytes of memory per byte of content.xml; 32 MB is some 3,000 pages of text).
    max_dom_xml_bytes: int = 32 * 1024 * 1024
    #: Recordings: the longest one transcribed (a day-long stream is refused, not read for hours).
    #: Their bytes are read as a stream, so ``max_file_bytes`` does not apply to them.
    max_recording_seconds: float = 8 * 3600.0


DEFAULT_LIMITS = Limits()
