"""`pdf_text(pdf)`: a PDF's text, as a reader's tool extracts it."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader's tool extracts it (it is real text, not pictures)."""


    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
