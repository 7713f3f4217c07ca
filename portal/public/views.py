"""Views of the public information pages."""

from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.public import bp


@bp.get("/")
def home() -> str:
    """Front page: certificate-number box, search box and links to everything."""
    return render_template("public/home.html")


@bp.get("/verify")
def verify() -> Any:
    """Send the certificate-number box of the front page to the certificate page."""
    number = (request.args.get("number") or "").strip()
    if not number:
        return redirect(url_for("public.home"))
    return redirect(url_for("certificates.detail", number=number))


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Any:
    """Answer load balancers: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok"})
