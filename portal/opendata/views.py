"""`/register.csv` and `/register.json`: every public certificate, streamed, with an ETag."""

from typing import Any

from flask import Response, request, stream_with_context

from portal import clock
from portal.extensions import limiter
from portal.opendata import bp
from portal.services import open_register

MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


@bp.get("/register.<any(csv, json):fmt>")
@limiter.limit("60 per hour")
def register(fmt: str) -> Any:
    """Download the whole public register; 304 when the client's copy is current."""
    today = clock.today()
    version = open_register.register_version(today)
    etag = f"{version}-{fmt}"
    licence = open_register.licence()
    headers = {
        "Cache-Control": "public, no-cache",  # keep a copy, revalidate it (cheap: 304)
        "Link": f'<{licence["url"]}>; rel="license"',
        "X-Schema-Version": open_register.SCHEMA_VERSION,
        "Access-Control-Allow-Origin": "*",  # public data, no credentials
        "Vary": "Accept-Encoding",
    }
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
        response.set_etag(etag)
        return response
    chunks = (open_register.csv_chunks(today) if fmt == "csv"
              else open_register.json_chunks(today, version))
    headers["Content-Disposition"] = f'inline; filename="register-{today.isoformat()}.{fmt}"'
    response = Response(stream_with_context(chunks), content_type=MIMETYPES[fmt], headers=headers)
    response.set_etag(etag)
    return response
