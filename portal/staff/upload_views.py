"""Upload a register (CSV/XLSX): a dry-run preview of every change and error, then apply.

The same code as `portal import-certificates` plans and applies the file
(`portal.services.importing`). Between preview and apply the file waits in the upload folder
under a random name that only this session knows; applying plans it again and refuses when
the result differs from what was previewed (the register changed meanwhile).
"""

import hashlib
import io
import json
import secrets
import time
from pathlib import Path
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import clock
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.models import Role
from portal.register import tables
from portal.services import exporting, importing
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.forms import ApplyImportForm, UploadForm

SESSION_KEY = "staff_import"
KEEP_UPLOADS_FOR = 24 * 3600  # seconds; abandoned previews are swept after a day


def upload_dir() -> Path:
    """Return the private folder where previewed files wait (never served)."""
    base = current_app.config.get("UPLOAD_DIR") or str(Path(current_app.instance_path) / "uploads")
    path = Path(base) / "register-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(folder: Path) -> None:
    limit = time.time() - KEEP_UPLOADS_FOR
    for old in folder.glob("*.upload"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


def _pending() -> tuple[dict[str, str], Path] | None:
    saved = session.get(SESSION_KEY)
    if not isinstance(saved, dict) or saved.get("user") != current_user.get_id():
        return None
    token = str(saved.get("token", ""))
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = upload_dir() / f"{token}.upload"
    return (saved, path) if path.exists() else None


def _plan(path: Path, filename: str) -> importing.ImportPlan:
    with path.open("rb") as stream:
        return importing.plan_certificate_import(stream, filename,
                                                 limits=tables.UPLOAD_LIMITS)


def fingerprint(plan: importing.ImportPlan) -> str:
    """Summarise what a plan would do, to tell whether it changed between preview and apply."""
    rows = [(row.line, row.action, row.data.certificate_number, sorted(row.changes.items()))
            for row in plan.rows]
    errors = [str(error) for error in plan.errors]
    blob = json.dumps([rows, errors], default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _discard() -> None:
    pending = _pending()
    if pending is not None:
        pending[1].unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)


def _preview(plan: importing.ImportPlan, filename: str, token: str) -> str:
    apply_form = ApplyImportForm(formdata=None, token=token, fingerprint=fingerprint(plan))
    changed = [row for row in plan.rows if row.action != "unchanged"]
    return render_template("staff/upload_preview.html", plan=plan, filename=filename,
                           changed=changed, apply_form=apply_form,
                           counts={a: plan.count(a) for a in ("create", "update", "unchanged")})


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR)
def upload() -> Any:
    """Choose a file; the answer is a preview that writes nothing."""
    form = UploadForm()
    if form.validate_on_submit():
        _discard()
        upload = form.file.data
        filename = Path(upload.filename or "register.csv").name[:200]
        folder = upload_dir()
        _sweep(folder)
        token = secrets.token_urlsafe(24)
        path = folder / f"{token}.upload"
        upload.save(str(path))
        session[SESSION_KEY] = {"token": token, "filename": filename,
                                "user": current_user.get_id()}
        plan = _plan(path, filename)
        return _preview(plan, filename, token)
    return render_template("staff/upload.html", form=form, columns=CERTIFICATE_COLUMNS)


@bp.post("/upload/apply")
@roles_required(Role.REGISTRAR)
def upload_apply() -> Any:
    """Write the previewed file, after checking it again against the register."""
    form = ApplyImportForm()
    pending = _pending()
    if not form.validate_on_submit() or pending is None \
            or not secrets.compare_digest(str(pending[0]["token"]).encode(),
                                          (form.token.data or "").encode()):
        flash(_("That preview is no longer available. Upload the file again."), "error")
        return redirect(url_for("staff.upload"))
    saved, path = pending
    plan = _plan(path, saved["filename"])
    if fingerprint(plan) != form.fingerprint.data:
        flash(_("The register or the file changed since the preview. Check the new preview "
                "before you apply it."), "error")
        return _preview(plan, saved["filename"], saved["token"]), 409
    try:
        result = importing.apply_certificate_import(plan, actor=current_user.email,
                                                    now=clock.utcnow())
    except importing.ImportRefused as exc:
        flash(_("Nothing was imported: the register changed while the file was being "
                "applied. Check the new preview."), "error")
        plan = importing.ImportPlan(rows=plan.rows, errors=exc.errors)
        return _preview(plan, saved["filename"], saved["token"]), 409
    _discard()
    flash(_("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=result.created, updated=result.updated, unchanged=result.unchanged),
          "success")
    return redirect(url_for("staff.upload"))


@bp.get("/register.<any(csv, xlsx):fmt>")
@roles_required(Role.REGISTRAR)
def register_download(fmt: str) -> Response:
    """The whole register in the import's columns: edit it in Excel, then upload it again."""
    out = io.BytesIO()
    name = f"register-{clock.today().isoformat()}.{fmt}"
    exporting.export_certificates(out, name)
    out.seek(0)
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if fmt == "xlsx" else "text/csv")
    return send_file(out, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.post("/upload/cancel")
@roles_required(Role.REGISTRAR)
def upload_cancel() -> Response:
    """Forget a previewed file without importing it."""
    _discard()  # CSRFProtect has checked the token of this POST already
    flash(_("The file was discarded; nothing was imported."), "info")
    return redirect(url_for("staff.upload"))
