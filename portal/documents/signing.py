"""The body's PDF signing key: configured, or a development key made on first use.

`PDF_SIGNING_KEY_FILE` and `PDF_SIGNING_CERT_FILE` name PEM (or DER) files of the body's key
and certificate (the certificate file may carry the chain after it); `PDF_SIGNING_KEY_PASSWORD`
unlocks an encrypted key. Without them a self-signed development key and certificate are
written to `instance/pdf-signing.pem` the first time a document is signed, as the development
`secret_key` is; in production (`PORTAL_ENV=production`) the key must be configured.
"""

import asyncio
import io
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from pyhanko.sign import signers

DEV_KEY_FILE: Final = "pdf-signing.pem"
DEV_CERT_YEARS: Final = 10
FIELD_NAME: Final = "Signature1"
_make_lock = threading.Lock()


class SigningKeyError(RuntimeError):
    """No usable signing key: not configured in production, unreadable, or not matching."""


@dataclass(frozen=True)
class KeySource:
    """Where the key and certificate come from (the same file for the development key)."""

    key_file: Path
    cert_file: Path
    password: bytes | None
    development: bool


def key_source(config: Mapping[str, Any], instance_path: str | os.PathLike[str]) -> KeySource:
    """Return the configured key files, or the development key's (made now if missing)."""
    key_file, cert_file = config.get("PDF_SIGNING_KEY_FILE"), config.get("PDF_SIGNING_CERT_FILE")
    password = config.get("PDF_SIGNING_KEY_PASSWORD")
    secret = password.encode() if isinstance(password, str) and password else None
    if key_file or cert_file:
        if not (key_file and cert_file):
            raise SigningKeyError("set both PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE")
        return KeySource(Path(key_file), Path(cert_file), secret, development=False)
    if config.get("PORTAL_ENV") == "production":
        raise SigningKeyError("PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE must be set "
                              "when PORTAL_ENV=production")
    # Tests sign with one development key kept outside the checkout, as SECRET_KEY is fixed.
    folder = (Path(tempfile.gettempdir()) / f"sqi-portal-tests-{os.getuid()}"
              if config.get("TESTING") else Path(instance_path))
    path = folder / DEV_KEY_FILE
    if not path.exists():
        make_development_key(path, body_name=str(config.get("BODY_NAME_EN") or "Portal"))
    return KeySource(path, path, None, development=True)


def make_development_key(path: Path, *, body_name: str, now: datetime | None = None) -> None:
    """Write a self-signed key and certificate (one PEM file, mode 0600) unless `path` exists."""
    with _make_lock:
        if path.exists():
            return
        now = now or datetime.now(UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, f"{body_name} (development signing key)"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, body_name[:64]),
        ])
        usage = x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=365 * DEV_CERT_YEARS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(usage, critical=True)
                .sign(key, hashes.SHA256()))
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        pem += cert.public_bytes(serialization.Encoding.PEM)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: another worker never reads half a key.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pdf-signing-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process made one first: keep theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)


def _certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
    return [x509.load_der_x509_certificate(data)]


def _private_key(data: bytes, password: bytes | None) -> Any:
    if b"-----BEGIN" in data:
        return serialization.load_pem_private_key(data, password=password)
    return serialization.load_der_private_key(data, password=password)


def _pyhanko() -> Any:
    """Import pyHanko on the first signature (it takes a third of a second to load)."""
    with warnings.catch_warnings():
        # pyHanko imports cryptography's DSA key type, which cryptography now deprecates.
        warnings.filterwarnings("ignore", message="DSA is deprecated")
        from pyhanko.pdf_utils import incremental_writer
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator import registry
    return incremental_writer, fields, signers, registry


@lru_cache(maxsize=4)
def _signer(source: KeySource, stamp: tuple[float, float]) -> "signers.SimpleSigner":
    """Load the signer once per key files (and again when either file changes)."""
    _writer, _fields, signers, registry = _pyhanko()
    try:
        key = _private_key(source.key_file.read_bytes(), source.password)
        chain = _certificates(source.cert_file.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the PDF signing key or certificate: {exc}") from exc
    if not chain:
        raise SigningKeyError(f"{source.cert_file}: no certificate found")
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    leaf = next((c for c in chain if c.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public),
        None)
    if leaf is None:
        raise SigningKeyError("the PDF signing certificate does not belong to the key")
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    others = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
              for c in chain if c is not leaf]
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(leaf.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry.SimpleCertificateStore.from_certs(others))


def signer(config: Mapping[str, Any],
           instance_path: str | os.PathLike[str]) -> "signers.SimpleSigner":
    """Return the signer of the body's documents (raises SigningKeyError when unusable)."""
    source = key_source(config, instance_path)
    try:
        stamp = (source.key_file.stat().st_mtime, source.cert_file.stat().st_mtime)
    except OSError as exc:
        raise SigningKeyError(f"cannot read the PDF signing key or certificate: {exc}") from exc
    return _signer(source, stamp)


def signing_certificate(config: Mapping[str, Any],
                        instance_path: str | os.PathLike[str]) -> asn1_x509.Certificate:
    """Return the certificate documents are signed with (for a reader's trust list)."""
    cert: asn1_x509.Certificate = signer(config, instance_path).signing_cert
    return cert


def sign_pdf(pdf: bytes, *, config: Mapping[str, Any], instance_path: str | os.PathLike[str],
             reason: str, location: str = "") -> bytes:
    """Return `pdf` with a PAdES signature of the body over every byte (an incremental update)."""
    incremental_writer, fields, signers, _registry = _pyhanko()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        location=location or None, name=str(config.get("BODY_NAME_EN") or "") or None)
    writer = incremental_writer.IncrementalPdfFileWriter(io.BytesIO(pdf))
    key = signer(config, instance_path)
    out = _outside_event_loop(lambda: signers.sign_pdf(writer, meta, signer=key))
    signed: bytes = out.getvalue()
    return signed


def _outside_event_loop(work: Callable[[], Any]) -> Any:
    """Run `work` (pyHanko's sync API calls asyncio.run) where no event loop is running.

    A worker under an async server or a thread that already runs a loop (Playwright's sync
    API does) would make asyncio.run fail: there, `work` runs in a short-lived thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
