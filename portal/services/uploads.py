"""Check and store files sent by the public (complaint attachments, photos of fakes).

A file is accepted by what it contains, never by its name or the browser's content type:
PDF by its header and trailer, JPEG and PNG by their signature and a full Pillow decode
check. Files live under `UPLOAD_DIR` (default `instance/uploads/`), outside `static/`, under
random names; only staff views read them back.
"""

import hashlib
import io
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class UploadError(ValueError):
    """A file that is not accepted; `message` is shown to the sender."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)  # translated when shown, not when raised


@dataclass(frozen=True)
class CheckedFile:
    """A file whose content was checked, ready to be stored."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_bytes() -> int:
    """Return the size limit of one uploaded file."""
    return int(current_app.config.get("UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)


def clean_filename(raw: str | None) -> str:
    """Return a display-safe version of the sender's file name (never used as a path)."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "file"


def sniff(data: bytes) -> str | None:
    """Return the content type that `data` really is, among PDF, JPEG and PNG, or None."""
    if data.startswith(b"%PDF-"):
        return PDF if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if _image_ok(data, "PNG") else None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG if _image_ok(data, "JPEG") else None
    return None


def _image_ok(data: bytes, expected: str) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected or image.width * image.height > MAX_PIXELS:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def check_file(filename: str | None, data: bytes, *,
               allowed: frozenset[str] = frozenset({PDF, JPEG, PNG})) -> CheckedFile:
    """Return the file if it is an allowed type by content and within the size limit."""
    name = clean_filename(filename)
    limit = max_bytes()
    if not data:
        raise UploadError(_l("The file %(name)s is empty.", name=name))
    if len(data) > limit:
        megabytes = f"{limit / 1024 / 1024:g}"
        raise UploadError(_l("The file %(name)s is larger than %(limit)s MB.", name=name,
                             limit=megabytes))
    kind = sniff(data)
    if kind is None or kind not in allowed:
        if allowed == frozenset({JPEG, PNG}):
            raise UploadError(_l("The file %(name)s is not a JPEG or PNG image.", name=name))
        raise UploadError(_l("The file %(name)s is not a PDF, JPEG or PNG file (checked by its "
                             "content, not its name).", name=name))
    return CheckedFile(filename=name, content_type=kind, data=data)


def upload_dir() -> Path:
    """Return the private folder uploaded files are kept in."""
    configured = current_app.config.get("UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def store(file: CheckedFile, *, folder: str) -> str:
    """Write `file` under a random name in UPLOAD_DIR/`folder`; return the stored name."""
    target = upload_dir() / folder
    target.mkdir(parents=True, exist_ok=True)
    stored = f"{folder}/{secrets.token_hex(16)}{EXTENSIONS[file.content_type]}"
    path = upload_dir() / stored
    with open(path, "xb") as fh:
        fh.write(file.data)
    os.chmod(path, 0o600)
    return stored


def path_of(stored_name: str) -> Path:
    """Return the path of a stored file; refuse names that would leave UPLOAD_DIR."""
    base = upload_dir().resolve()
    path = (base / stored_name).resolve()
    if base not in path.parents:
        raise ValueError(f"stored name {stored_name!r} leaves the upload folder")
    return path


def delete(stored_name: str) -> None:
    """Remove a stored file if it is there."""
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)
