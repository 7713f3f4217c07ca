"""QR codes that make a printed certificate tell the truth (docs/contract.md §3).

A certificate's QR code encodes `{PUBLIC_BASE_URL}/v/<number key>/<printed issue>/<kid>.<sig>`:
the number (normalised, upper case), the printed issue it was made for
(`Certificate.issue_number` at the time) and a short HMAC-SHA256 signature made with the key
`kid`. Upper-case letters, digits, `/` and `.` fit QR "alphanumeric" mode, so the code stays
small (version 5 at error correction Q for a typical address): easy to print on A4 and to read
with a phone. The signature proves the portal made the code, so nobody can edit the issue
number of a stale copy to make it look current.

Keys: `QR_SIGNING_KEYS` lists key ids, newest first; the first signs new codes and every listed
id is accepted. Each key is derived from SECRET_KEY (HKDF-SHA256, info naming the id), or from
the secret written after the id (`"2,1:old-secret"`), so SECRET_KEY can change without
invalidating codes already printed.
"""

import base64
import hashlib
import hmac
import io
import re
import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import qrcode
import zxingcpp
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from qrcode.constants import ERROR_CORRECT_Q

from portal.domain import printed
from portal.domain.codes import is_well_formed_number, number_key
from portal.domain.printed import PRINTED_FIELDS
from portal.domain.status import PublicStatus
from portal.models import Certificate, EventKind

SIGNATURE_LENGTH: Final = 10  # base32 characters: 50 bits, checked online only
_KID: Final = re.compile(r"^[A-Z0-9]{1,8}$")
_SIGNATURE: Final = re.compile(rf"^[A-Z2-7]{{{SIGNATURE_LENGTH}}}$")
_ISSUE: Final = re.compile(r"^[1-9][0-9]{0,5}$")
_HKDF_SALT: Final = b"sqi-portal qr-signing"

# Image sizes. A module is one black or white square of the code; the quiet zone is 4 modules.
QUIET_ZONE: Final = 4
SCREEN_MODULE_PX: Final = 8
PRINT_MODULE_PX: Final = 24
PRINT_SIZE_MM: Final = 30  # the print PNG carries a DPI that makes it 30 mm wide in Word etc.

# Photos for /scan: limits against decompression bombs and slow decoding. A QR code needs few
# pixels: the decoder works on a grey copy of at most SCAN_DECODE_SIDE pixels a side.
SCAN_MAX_BYTES: Final = 10 * 1024 * 1024
# JPEG is decoded at 1/2, 1/4 or 1/8 scale (libjpeg DCT scaling), so a 50 MP phone photo costs
# what a 3 MP one does. Other formats decode at full size: allow what a screen or a 12 MP
# camera makes (4000 x 3000), about 48 MB at most while decoding (RGBA) instead of 200+ MB.
SCAN_MAX_PIXELS: Final = 50_000_000
SCAN_MAX_FULL_PIXELS: Final = 12_000_000
SCAN_DECODE_SIDE: Final = 2000
# Photos decoded at once per worker process (each may take ~0.1 GB and a CPU for a second);
# another upload waits up to SCAN_WAIT_SECONDS for its turn, then is told to try again.
SCAN_CONCURRENT_DECODES: Final = 1
SCAN_WAIT_SECONDS: Final = 3.0
SCAN_RETRY_AFTER_SECONDS: Final = 5
_decode_slots = threading.BoundedSemaphore(SCAN_CONCURRENT_DECODES)
# MPO: the multi-picture JPEG many phones save (a photo plus a depth map or gain map).
SCAN_FORMATS: Final = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"})


class SigningConfigError(ValueError):
    """QR_SIGNING_KEYS names no usable key."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    key: bytes = field(repr=False)


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    """Derive `length` bytes from `secret` for the purpose `info` (RFC 5869, SHA-256)."""
    prk = hmac.new(_HKDF_SALT, secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def signing_keys(config: Mapping[str, Any]) -> list[SigningKey]:
    """Return the accepted QR keys, the one that signs new codes first."""
    entries = config.get("QR_SIGNING_KEYS") or ("1",)
    if isinstance(entries, str):
        entries = entries.split(",")
    keys: list[SigningKey] = []
    for entry in entries:
        kid, _, secret = str(entry).strip().partition(":")
        kid = kid.strip().upper()
        if not _KID.match(kid):
            raise SigningConfigError(f"QR_SIGNING_KEYS: key id {kid!r} must be 1-8 letters/digits")
        material = (secret.strip() or str(config["SECRET_KEY"])).encode()
        keys.append(SigningKey(kid, _hkdf(material, b"qr-url-v1|" + kid.encode())))
    if not keys:
        raise SigningConfigError("QR_SIGNING_KEYS names no key")
    return keys


def signature(key: SigningKey, key_of_number: str, issue: int) -> str:
    """Return the short signature of (key id, number key, printed issue)."""
    message = f"{key.kid}|{key_of_number}|{issue}".encode()
    digest = hmac.new(key.key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def code_path(cert: Certificate, config: Mapping[str, Any]) -> str:
    """Return the site path the QR code of `cert`'s current printed issue opens."""
    key = signing_keys(config)[0]
    sig = signature(key, cert.number_key, cert.issue_number)
    return f"/v/{cert.number_key}/{cert.issue_number}/{key.kid}.{sig}"


def code_url(cert: Certificate, config: Mapping[str, Any]) -> str:
    """Return the absolute address encoded in `cert`'s QR code."""
    return str(config["PUBLIC_BASE_URL"]).rstrip("/") + code_path(cert, config)


@dataclass(frozen=True)
class CodeClaim:
    """What a QR address says: this certificate, this printed issue (signature checked)."""

    number_key: str
    issue: int


def verify_code(raw_number: str, raw_issue: str, token: str,
                config: Mapping[str, Any]) -> CodeClaim | None:
    """Return what the address claims when its signature is right, else None (altered)."""
    key_of_number = number_key(raw_number or "")
    kid, _, sig = (token or "").upper().partition(".")
    if not (_ISSUE.match(raw_issue or "") and _SIGNATURE.match(sig) and key_of_number
            and len(key_of_number) <= 64 and key_of_number.isascii()):
        return None
    issue = int(raw_issue)
    for key in signing_keys(config):
        if key.kid == kid:
            if hmac.compare_digest(signature(key, key_of_number, issue), sig):
                return CodeClaim(key_of_number, issue)
            return None
    return None


# -- the printed copy ------------------------------------------------------------------------

SCOPE_KINDS: Final = frozenset({EventKind.SCOPE_EXTENDED, EventKind.SCOPE_REDUCED,
                                EventKind.SCOPE_CHANGED})
@dataclass(frozen=True)
class StaleReason:
    """One reason why a printed copy no longer tells the truth."""

    kind: str  # "status", "reissued", "scope", "renamed", "renewed", "corrected", "details"
    since: date | None = None
    status: str | None = None
    issue: int | None = None
    causes: tuple[str, ...] = ()  # "reissued": why the later issues were printed


@dataclass(frozen=True)
class PrintedCopy:
    """The verdict on a printed copy of issue `printed_issue` of a certificate, today."""

    printed_issue: int
    current_issue: int
    status: PublicStatus
    reasons: tuple[StaleReason, ...]

    @property
    def is_current(self) -> bool:
        return not self.reasons


def _latest(events: Sequence[Any]) -> date | None:
    return max((e.effective_date for e in events), default=None)


def check_printed_copy(cert: Certificate, printed_issue: int, today: date) -> PrintedCopy:
    """Tell whether the copy printed as issue `printed_issue` still shows the truth today.

    It does not when the certificate is not valid today, was re-issued since (a higher issue
    number), or its scope, holder name, validity period or another printed field changed since
    that issue was printed (history events recorded while that issue, or a later one, was
    current).
    """
    status = cert.public_status(today)
    reasons: list[StaleReason] = []
    if status is not PublicStatus.VALID:
        when = cert.expiry_date if status is PublicStatus.EXPIRED else cert.status_date
        reasons.append(StaleReason("status", since=when, status=status.value))
    since = [e for e in cert.events if e.issue_number >= printed_issue]
    reissues = [e for e in since if e.kind is EventKind.REISSUED and e.issue_number > printed_issue]
    if cert.issue_number > printed_issue:
        first = min(reissues, key=lambda e: (e.issue_number, e.effective_date), default=None)
        causes = {c for e in reissues for c in (e.details or {}).get("because", ())}
        reasons.append(StaleReason(
            "reissued", since=first.effective_date if first is not None else None,
            issue=cert.issue_number,
            causes=tuple(c for c in printed.CAUSES if c in causes)))
    for kind, kinds in (("scope", SCOPE_KINDS), ("renamed", {EventKind.RENAMED}),
                        ("renewed", {EventKind.RENEWED})):
        matching = [e for e in since if e.kind in kinds]
        if matching:
            reasons.append(StaleReason(kind, since=_latest(matching)))
    corrected = [e for e in since if e.kind is EventKind.CORRECTED
                 and PRINTED_FIELDS & set((e.details or {}).get("fields", []))]
    if corrected:
        reasons.append(StaleReason("corrected", since=_latest(corrected)))
    if cert.restricted:
        # What changed, and when, would describe the holder: say only that something did.
        shown = [r for r in reasons if r.kind in ("status", "reissued")]
        if len(shown) < len(reasons):
            shown.append(StaleReason("details"))
        reasons = shown
    return PrintedCopy(printed_issue=printed_issue, current_issue=cert.issue_number,
                       status=status, reasons=tuple(reasons))


# -- images ----------------------------------------------------------------------------------


def _matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
    code.add_data(data)  # mixed segments: the upper-case tail is encoded alphanumerically
    code.make(fit=True)
    return code.get_matrix()


# Images depend only on their text and size: keep recent ones (a few KB each) per worker.
@lru_cache(maxsize=1024)
def qr_png(data: str, *, print_size: bool = False) -> bytes:
    """Return a black-on-white PNG of `data`; `print_size` gives a 30 mm, ~800 dpi image."""
    matrix = _matrix(data)
    modules = len(matrix)
    scale = PRINT_MODULE_PX if print_size else SCREEN_MODULE_PX
    small = Image.new("1", (modules, modules), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    dpi = round(image.width / (PRINT_SIZE_MM / 25.4))
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


@lru_cache(maxsize=1024)
def qr_svg(data: str, *, title: str = "") -> bytes:
    """Return a scalable SVG of `data` (one path, crisp edges, white quiet zone)."""
    matrix = _matrix(data)
    modules = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < modules:
            if row[x]:
                start = x
                while x < modules and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = modules * SCREEN_MODULE_PX // 2
    title_xml = f"<title>{_xml(title)}</title>" if title else ""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {modules} {modules}" '
           f'width="{size}" height="{size}" shape-rendering="crispEdges">{title_xml}'
           f'<rect width="{modules}" height="{modules}" fill="#fff"/>'
           f'<path fill="#000" d="{"".join(runs)}"/></svg>')
    return svg.encode()


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def image_etag(data: str, variant: str) -> str:
    """Return a strong validator for the image of `data` in `variant` (png, print, svg)."""
    return hashlib.sha256(f"qr-image-v1|{variant}|{data}".encode()).hexdigest()[:20]


# -- scanning --------------------------------------------------------------------------------


class ScanError(ValueError):
    """A photo that cannot be read now.

    `reason` is "not_image", "too_large" (bytes), "too_many_pixels", "no_code" or "busy"
    (every decoding slot of this worker is taken: try again in SCAN_RETRY_AFTER_SECONDS).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _load_grey(data: bytes) -> Image.Image:
    """Open a photo, checked by content and size, as a grey image of at most SCAN_DECODE_SIDE."""
    if len(data) > SCAN_MAX_BYTES:
        raise ScanError("too_large")
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ScanError("too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ScanError("not_image") from exc
    if image.format not in SCAN_FORMATS:
        raise ScanError("not_image")
    # Checked on the header, before a single pixel is decoded.
    pixels = image.width * image.height
    scaled = image.format in ("JPEG", "MPO")
    if pixels > (SCAN_MAX_PIXELS if scaled else SCAN_MAX_FULL_PIXELS):
        raise ScanError("too_many_pixels")
    if scaled:
        # Let libjpeg decode in grey at 1/2, 1/4 or 1/8 scale: a 48 MP photo then needs
        # about 12 MB instead of 190 MB, and decodes several times faster.
        image.draft("L", (SCAN_DECODE_SIDE, SCAN_DECODE_SIDE))
    try:
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, ValueError, SyntaxError, struct.error) as exc:  # truncated or corrupt
        raise ScanError("not_image") from exc
    grey = image.convert("L")
    image.close()
    if max(grey.size) > SCAN_DECODE_SIDE:
        grey.thumbnail((SCAN_DECODE_SIDE, SCAN_DECODE_SIDE), Image.Resampling.LANCZOS)
    method = _EXIF_TRANSPOSE.get(orientation)
    return grey.transpose(method) if method is not None else grey


# EXIF orientation -> the transpose that shows the photo upright (as ImageOps.exif_transpose).
_EXIF_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}


def decode_photo(data: bytes) -> list[str]:
    """Return the texts of the QR codes found in a photo (JPEG, PNG, WebP, GIF or BMP).

    At most SCAN_CONCURRENT_DECODES photos are decoded at once in this process; beyond that
    the call waits SCAN_WAIT_SECONDS for a turn, then raises ScanError("busy").
    """
    if not _decode_slots.acquire(timeout=SCAN_WAIT_SECONDS):
        raise ScanError("busy")
    try:
        return _decode(data)
    finally:
        _decode_slots.release()


def _decode(data: bytes) -> list[str]:
    image = _load_grey(data)
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        # A photo with the code small in the frame: try again on an enlarged grey copy.
        bigger = ImageOps.autocontrast(image).resize(
            (image.width * 2, image.height * 2), Image.Resampling.BICUBIC)
        found = zxingcpp.read_barcodes(bigger, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [result.text for result in found if result.valid and result.text]
    if not texts:
        raise ScanError("no_code")
    return texts


@dataclass(frozen=True)
class ScanTarget:
    """Where a scanned text leads: `kind` is "portal", "foreign", "number" or "text"."""

    kind: str
    text: str
    path: str = ""  # portal: the local path to open
    host: str = ""  # foreign: the host a browser would open, as DNS spells it (xn--…)
    lookalike: bool = False  # foreign: the host was written with non-ASCII or %-escapes


_HTTP_PREFIX: Final = re.compile(r"^(https?):[/\\]*", re.IGNORECASE)
BACKSLASH: Final = "\\"


def _as_browser_reads(text: str) -> str:
    """Spell an http(s) address the way a browser reads it (WHATWG URL Standard).

    After `https:` any run of `/` and `\\` starts the host, and before the query `\\` is a `/`:
    a browser opens `https://evil.cn\\@our.host/` on evil.cn, so it must not count as ours.
    """
    match = _HTTP_PREFIX.match(text)
    if not match:
        return text
    rest = text[match.end():]
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return f"{match.group(1).lower()}://{rest[:cut].replace(BACKSLASH, '/')}{rest[cut:]}"


def _origin(parts: Any) -> tuple[str, int | None] | None:
    """Return (host, explicit non-default port) of an http(s) address, else None."""
    if (parts.scheme or "").lower() not in ("http", "https"):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    # http and https on the same host are the same site here (an old code may say http).
    return (parts.hostname or "").lower().rstrip("."), None if port in (None, 80, 443) else port


def _shown_host(host: str, port: int | None) -> tuple[str, bool]:
    """Return a foreign host as DNS spells it, and whether it used look-alike characters.

    `vеrify.example.cn` with a Cyrillic `е` looks like ours on screen; as `xn--vrify-…` it does
    not. Percent-escapes are decoded first, as a browser does.
    """
    decoded = unquote(host)
    lookalike = decoded != host or not host.isascii()
    labels = [label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
              for label in decoded.split(".")]
    shown = ".".join(labels)
    shown = shown.encode("ascii", "backslashreplace").decode("ascii")  # control characters
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    if ":" in shown:
        shown = f"[{shown}]"  # IPv6
    return (f"{shown}:{port}" if port is not None else shown), lookalike


def _foreign(text: str, origin: tuple[str, int | None]) -> ScanTarget:
    host, lookalike = _shown_host(*origin)
    return ScanTarget("foreign", text, host=host, lookalike=lookalike)


def classify_scan(text: str, public_base_url: str) -> ScanTarget:
    """Decide where a scanned text may lead: only addresses under PUBLIC_BASE_URL are opened.

    The address is read as a browser reads it, so a code counts as ours only if a phone's
    browser would open it on our host too.
    """
    text = (text or "").strip()
    base = urlsplit(public_base_url)
    base_origin = _origin(base)
    looks_like_url = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) or text.startswith("//") \
        or re.match(r"^(www\.|[\w-]+(\.[\w-]+)+/)", text)
    if not looks_like_url:
        if is_well_formed_number(text) and len(text) <= 64:
            return ScanTarget("number", text)
        return ScanTarget("text", text)
    if text.startswith("//"):
        text_url = "https:" + text
    else:
        text_url = text if "://" in text or text.lower().startswith(("http:", "https:")) \
            else "https://" + text
    try:
        parts = urlsplit(_as_browser_reads(text_url))
    except ValueError:  # e.g. "http://[abc/": an unclosed IPv6 address
        return ScanTarget("text", text)
    origin = _origin(parts)
    if origin is None or not origin[0]:
        return ScanTarget("text", text)
    if base_origin is None or origin != base_origin:
        return _foreign(text, origin)
    base_path = base.path.rstrip("/")
    path = parts.path or "/"
    if base_path and not (path == base_path or path.startswith(base_path + "/")):
        return _foreign(text, origin)
    local = "/" + path[len(base_path):].lstrip("/")
    if "\\" in local or not local.isprintable():
        return ScanTarget("text", text)
    if parts.query:
        local += "?" + parts.query
    return ScanTarget("portal", text, path=local)
