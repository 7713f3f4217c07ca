"""Spreadsheets that lie about their size, and a guard on memory and time, for reader tests."""

import contextlib
import io
import re
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook


def xlsx_claiming(ref: str = "A1:XFD20000", cells: tuple[str, ...] = ("证书编号", "X1"),
                  last_row: int = 20000) -> bytes:
    """Return a tiny workbook whose sheet declares `<dimension ref=ref>` over two real cells.

    The first cell is A1, the second A`last_row`. openpyxl pads every row up to the declared
    width (XFD is column 16,384): reading the 20,000 rows naively builds 300 million cells.
    """
    book = Workbook()
    book.active["A1"] = cells[0]
    book.active[f"A{last_row}"] = cells[1]
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(),
                              data)
                assert ref.encode() in data
            target.writestr(item, data)
    return patched.getvalue()


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else None


class Bounded:
    """What `bounded` measured: the peak resident memory growth in MiB (None: unknown)."""

    growth_mib: float | None = None


@contextlib.contextmanager
def bounded(seconds: int) -> Iterator[Bounded]:
    """Fail the block after `seconds` (SIGALRM) and measure how far its peak memory grew.

    The peak (VmHWM) is reset through /proc/self/clear_refs first, so the figure is this
    block's own peak over the memory in use when it started (Linux; None elsewhere).
    """
    result = Bounded()
    reset = False
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    start = _status_kib("VmRSS")

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield result
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    peak = _status_kib("VmHWM")
    if reset and start is not None and peak is not None:
        result.growth_mib = (peak - start) / 1024
