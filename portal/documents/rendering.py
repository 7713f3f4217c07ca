"""Lay out an HTML document as PDF (WeasyPrint, fonts found by fontconfig)."""

import threading
from typing import Final

# Documents are rendered one at a time per worker: each takes about a CPU-second and ~100 MB.
_render_slot: Final = threading.BoundedSemaphore(1)
RENDER_WAIT_SECONDS: Final = 20.0


class RenderBusyError(RuntimeError):
    """Another document is being rendered by this worker; try again shortly."""


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Return the PDF of `html`; local assets (images, CSS) resolve against `base_url`."""
    if not _render_slot.acquire(timeout=RENDER_WAIT_SECONDS):
        raise RenderBusyError("busy")
    try:
        # WeasyPrint (pango, fonts) loads on the first document, not with every worker/command.
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        pdf: bytes = HTML(string=html, base_url=base_url).write_pdf(
            font_config=FontConfiguration(), pdf_tags=True)  # tagged: screen readers follow it
        return pdf
    finally:
        _render_slot.release()
