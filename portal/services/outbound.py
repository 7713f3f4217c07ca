"""Outbound HTTP to addresses the public gives us (webhooks), guarded against SSRF.

A webhook URL is chosen by whoever registers it, so the portal must never be made to call its
own network: the host name is resolved once, every address it resolves to must be public
(not loopback, private, link-local, cloud metadata, shared, reserved or multicast), and the
connection goes to that checked address (no second lookup that DNS rebinding could change).
Redirects are never followed; a redirect is reported, and named as refused when it points at a
non-public address. `allow_private` exists for tests only (WEBHOOK_ALLOW_PRIVATE_FOR_TESTS).
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

Resolver = Callable[[str, int], list[str]]
TIMEOUT: Final = 10.0  # seconds for connect and for the answer
MAX_URL_LENGTH: Final = 500
# Cloud metadata services: refused by name too, whatever they resolve to.
METADATA_HOSTS: Final = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class UnsafeAddressError(ValueError):
    """The URL may not be called: wrong scheme, or it leads to a non-public address."""


def resolve(host: str, port: int) -> list[str]:
    """Return every IP address `host` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (RFC 6052 NAT64, RFC 6145
# translated, RFC 4291 compatible): the call reaches that IPv4 address, so it is what counts.
_EMBEDDING_IPV4: Final = (ipaddress.ip_network("64:ff9b::/96"),
                          ipaddress.ip_network("::ffff:0:0:0/96"),
                          ipaddress.ip_network("::/96"))
# Local-use NAT64 (RFC 8215) and Teredo (RFC 4380, 2001::/32) relay to addresses that are not
# in the last 32 bits (or are XOR-ed): never a public receiver.
_REFUSED_IPV6: Final = (ipaddress.ip_network("64:ff9b:1::/48"),
                        ipaddress.ip_network("2001::/32"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv4-mapped, 6to4 or NAT64 address leads to, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD
        return ip.sixtofour
    if any(ip in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def is_public(address: str) -> bool:
    """Return True when `address` is a globally routable unicast address.

    An IPv6 address that embeds an IPv4 one (mapped, 6to4, NAT64, translated, compatible) is
    judged by that IPv4 address; Teredo and local-use NAT64 are never public.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None or any(ip in network for network in _REFUSED_IPV6):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _is_public_ip(embedded)
    return _is_public_ip(ip)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


def check_url(url: str, *, allow_private: bool = False,
              resolver: Resolver | None = None) -> Target:
    """Return where `url` may be called, or raise UnsafeAddressError saying why not."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeAddressError("the URL is too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeAddressError("the URL cannot be read") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeAddressError("the URL must start with https://")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeAddressError("the URL has no host name")
    if parts.username or parts.password:
        raise UnsafeAddressError("the URL must not carry a user name or password")
    if host in METADATA_HOSTS:
        raise UnsafeAddressError(f"{host} is a cloud metadata service")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = (resolver or resolve)(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeAddressError(f"{host} cannot be resolved") from exc
    if not addresses:
        raise UnsafeAddressError(f"{host} cannot be resolved")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise UnsafeAddressError(f"{host} resolves to {address}, which is not a public "
                                         "address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked IP address, with SNI and certificate check for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the first 500 characters, for the delivery log


def post_json(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool = False,
              resolver: Resolver | None = None, timeout: float = TIMEOUT) -> Answer:
    """POST `body` to `url` after the SSRF check; never follow a redirect.

    Raises UnsafeAddressError for a refused address or redirect, OSError for network errors.
    """
    target = check_url(url, allow_private=allow_private, resolver=resolver)
    if target.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(target, timeout)
    else:
        conn = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    try:
        conn.request("POST", target.path, body=body, headers={
            **headers, "Host": target.host if target.port in (80, 443)
            else f"{target.host}:{target.port}",
            "Content-Type": "application/json", "User-Agent": "certificate-portal-webhooks/1"})
        response = conn.getresponse()
        text = response.read(2000).decode("utf-8", "replace")[:500]
        if 300 <= response.status < 400:
            location = urljoin(url, response.getheader("Location") or "")
            try:
                check_url(location, allow_private=allow_private, resolver=resolver)
            except UnsafeAddressError as exc:
                raise UnsafeAddressError(f"redirect to {location} refused: {exc}") from None
            raise UnsafeAddressError(f"redirect to {location} not followed (register that URL)")
        return Answer(response.status, text)
    finally:
        conn.close()
