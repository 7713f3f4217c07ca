"""Registrars keep the register: search, create, correct, change status, re-issue.

Every write goes through `portal.services.certificates` (transition rules, history, search
change log, audit log); that module leaves the commit to its caller, so these views commit
once per operation. Field checks are the register's own (`portal.register.validation`), the
same as the import's. The edit form carries a version of the values it showed
(`portal.register.versions`): saving over someone else's later change is refused, with the
changed fields named and taken into the form.
"""

import json
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal import clock
from portal.domain.codes import normalise_credit_code, number_key
from portal.domain.records import CertificateData
from portal.domain.status import FINAL, CertificateStatus, TransitionError, can_move
from portal.extensions import db
from portal.i18n import STATUS_LABELS, current_lang
from portal.models import Certificate, EventKind, Role
from portal.register import versions
from portal.register.public import certificate_path, find_certificate
from portal.register.validation import check_certificate
from portal.services import certificates as certificate_service
from portal.staff import bp
from portal.staff.access import roles_required
from portal.staff.forms import (
    REASON_CLASSES,
    REASON_TEXT,
    CertificateForm,
    CertificateSearchForm,
    ReissueForm,
    StatusForm,
)
from portal.staff.inputs import page_number

PER_PAGE = 50
_TEXT_FIELDS = ("certificate_number", "scheme", "standard", "holder_name_zh", "holder_name_en",
                "credit_code", "address_zh", "address_en", "province", "city", "scope_zh",
                "scope_en", "initial_issue_date", "issue_date", "expiry_date", "status",
                "status_date", "status_reason", "accreditation")
# What the edit form changes (the number is the identity; the status has its own page).
_EDITED = tuple(name for name in (*_TEXT_FIELDS, "sites", "former_names", "restricted")
                if name not in ("certificate_number", "status", "status_date", "status_reason"))


def _lookup(number: str) -> Certificate:
    return find_certificate(number) or abort(404)


def _lines(text: str | None) -> list[str]:
    flat = (text or "").replace("；", "\n").replace(";", "\n")
    return [line.strip() for line in flat.splitlines() if line.strip()]


def _form_values(form: CertificateForm) -> dict[str, str]:
    # Browsers send textarea line breaks as CRLF; the register keeps plain LF.
    values = {name: (getattr(form, name).data or "").replace("\r\n", "\n").strip()
              for name in _TEXT_FIELDS}
    values["sites"] = ";".join(_lines(form.sites.data))
    values["former_names"] = ";".join(_lines(form.former_names.data))
    values["restricted"] = "true" if form.restricted.data else "false"
    return values


def _check(form: CertificateForm, values: dict[str, str]) -> CertificateData | None:
    """Check the form's values with the register's rules; put each problem by its field."""
    data, problems = check_certificate(values)
    for problem in problems:
        field = getattr(form, problem.column, None) or form.certificate_number
        field.errors = [*field.errors, problem.translated()]
    return data


def _stored_values(cert: Certificate) -> dict[str, str]:
    """Return the certificate's editable fields as the form sends them back (`_form_values`)."""
    data = certificate_service.snapshot(cert)
    values = {name: ("" if data[name] is None else str(data[name])) for name in _TEXT_FIELDS}
    values["sites"] = ";".join(cert.site_addresses)
    values["former_names"] = ";".join(cert.former_names or [])
    values["restricted"] = "true" if cert.restricted else "false"
    return values


def _conflict(form: CertificateForm, cert: Certificate, values: dict[str, str],
              changed: list[str]) -> list[dict[str, Any]]:
    """Take others' changes into the form where this user left the field alone; mark the
    fields both changed. Return what changed, for the page."""
    stored = _stored_values(cert)
    mine = set(versions.changed_since(form.version.data or "", values, _EDITED))
    initial = _initial(cert)
    out = []
    for name in changed:
        field = getattr(form, name)
        both = name in mine
        if both:
            field.errors = [*field.errors, _("Someone else changed this field too; check that "
                                             "your text is the one to keep.")]
        else:
            field.data = initial[name]
        shown = stored[name].replace(";", "; ")
        if name == "restricted":
            shown = _("yes") if cert.restricted else _("no")
        out.append({"label": field.label.text, "value": shown, "both": both})
    form.version.data = versions.version_of(stored, _EDITED)
    return out


def _initial(cert: Certificate) -> dict[str, Any]:
    data = certificate_service.snapshot(cert)
    out = {name: ("" if data[name] is None else data[name]) for name in _TEXT_FIELDS}
    out["sites"] = "\n".join(cert.site_addresses)
    out["former_names"] = "\n".join(cert.former_names or [])
    out["restricted"] = cert.restricted
    out["version"] = versions.version_of(_stored_values(cert), _EDITED)
    return out


def _actor() -> str:
    return current_user.email


def transition_message(current: CertificateStatus, target: CertificateStatus) -> str:
    """Explain in the user's language why a status change is refused."""
    names = {"current": STATUS_LABELS[current.value], "target": STATUS_LABELS[target.value]}
    if current == target:
        return _("The certificate is already “%(current)s”.", **names)
    if current in FINAL:
        return _("A certificate with status “%(current)s” cannot be changed to “%(target)s”: "
                 "“%(current)s” is final.", **names)
    return _("A certificate with status “%(current)s” cannot be changed to “%(target)s”.",
             **names)


def _parse_day(field: Any) -> date | None:
    try:
        return date.fromisoformat((field.data or "").strip())
    except ValueError:
        field.errors = [*field.errors, _("Enter a date as YYYY-MM-DD.")]
        return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.get("/certificates")
@roles_required(Role.REGISTRAR)
def certificates() -> str:
    """Find certificates by number, holder name (current or former) or credit code."""
    form = CertificateSearchForm(request.args)
    form.status.choices = [("", _("Any status"))] + [
        (s.value, STATUS_LABELS[s.value]) for s in CertificateStatus]
    query = select(Certificate).order_by(Certificate.updated_at.desc(), Certificate.id.desc())
    text = (form.q.data or "").strip()[:200]
    if text:
        key = number_key(text)
        like = f"%{_escape_like(text)}%"
        conditions = [Certificate.holder_name_zh.ilike(like, escape="\\"),
                      Certificate.holder_name_en.ilike(like, escape="\\"),
                      # JSON text holds non-ASCII names \u-escaped: match that form too.
                      cast(Certificate.former_names, String).ilike(like, escape="\\"),
                      cast(Certificate.former_names, String).contains(
                          json.dumps(text)[1:-1], autoescape=True),
                      Certificate.credit_code == normalise_credit_code(text)]
        if key:
            conditions.append(Certificate.number_key.contains(key, autoescape=True))
        query = query.where(or_(*conditions))
    if form.status.data in {s.value for s in CertificateStatus}:
        query = query.where(Certificate.status == CertificateStatus(form.status.data))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("staff/certificates.html", form=form, page=page, q=text)


@bp.route("/certificates/new", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR)
def certificate_new() -> Any:
    """Add a certificate to the register."""
    form = CertificateForm()
    if request.method == "GET":
        form.status.data = CertificateStatus.VALID.value
        form.accreditation.data = "CNAS"
    if form.validate_on_submit():
        data = _check(form, _form_values(form))
        if data is not None and find_certificate(data.certificate_number) is not None:
            form.certificate_number.errors = [_("This number is already in the register.")]
            data = None
        if data is not None:
            try:
                cert = certificate_service.create_certificate(data, actor=_actor(),
                                                              now=clock.utcnow())
                db.session.commit()
            except IntegrityError:  # created by someone else a moment ago
                db.session.rollback()
                form.certificate_number.errors = [_("This number is already in the register.")]
            else:
                flash(_("Certificate %(number)s has been added to the register.",
                        number=cert.certificate_number), "success")
                return redirect(url_for("staff.certificate", number=cert.number_key))
    return render_template("staff/certificate_form.html", form=form, cert=None)


@bp.get("/certificates/<path:number>")
@roles_required(Role.REGISTRAR)
def certificate(number: str) -> str:
    """One certificate as staff see it: every field, full history with internal notes."""
    cert = _lookup(number)
    reissue_form = ReissueForm(formdata=None, effective_date=clock.today().isoformat())
    return render_template("staff/certificate.html", cert=cert,
                           status=cert.public_status(clock.today()),
                           public_path=certificate_path(cert.certificate_number),
                           reissue_form=reissue_form)


@bp.route("/certificates/<path:number>/edit", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR)
def certificate_edit(number: str) -> Any:
    """Correct a certificate's fields; a renamed holder keeps the former name."""
    cert = _lookup(number)
    form = CertificateForm(data=_initial(cert))
    if form.validate_on_submit():
        values = _form_values(form)
        # Someone else saved since this form was opened: refuse rather than undo their work.
        # (A form without a version, from a page older than this check, is not compared.)
        changed = (versions.changed_since(form.version.data, _stored_values(cert), _EDITED)
                   if form.version.data else [])
        if changed:
            conflict = _conflict(form, cert, values, changed)
            return render_template("staff/certificate_form.html", form=form, cert=cert,
                                   conflict=conflict), 409
        # The number is the certificate's identity; the status has its own page.
        values.update(certificate_number=cert.certificate_number, status=cert.status.value,
                      status_date=cert.status_date.isoformat() if cert.status_date else "",
                      status_reason=cert.status_reason or "")
        data = _check(form, values)
        if data is not None:
            if not certificate_service.planned_changes(cert, data):
                flash(_("Nothing was changed."), "info")
            else:
                scope_change = (EventKind(form.scope_change.data) if form.scope_change.data
                                else None)
                certificate_service.update_certificate(
                    cert, data, actor=_actor(), now=clock.utcnow(), scope_change=scope_change,
                    reason=(form.reason.data or "").strip(), note=(form.note.data or "").strip())
                db.session.commit()
                flash(_("The certificate has been corrected."), "success")
            return redirect(url_for("staff.certificate", number=cert.number_key))
    return render_template("staff/certificate_form.html", form=form, cert=cert)


def _status_choices(cert: Certificate) -> list[tuple[str, str]]:
    return [(s.value, STATUS_LABELS[s.value]) for s in CertificateStatus
            if can_move(cert.status, s)]


def _public_reason(form: StatusForm) -> str | None:
    detail = (form.reason_text.data or "").strip()
    if form.reason_class.data == "other":
        if not detail:
            form.reason_text.errors = [_("Describe the reason when you choose “Other”.")]
            return None
        return detail
    base = REASON_TEXT.get(form.reason_class.data or "", "")
    return f"{base}：{detail}" if detail else base


def _check_effective(form: StatusForm, cert: Certificate) -> date | None:
    effective = _parse_day(form.effective_date)
    if effective is None:
        return None
    first = cert.initial_issue_date or cert.issue_date
    if effective > clock.today():
        problem = _("The effective date cannot be in the future: record the change on the day "
                    "it takes effect.")
    elif cert.status_date and effective < cert.status_date:
        problem = _("The effective date cannot be before the current status date (%(day)s).",
                    day=cert.status_date.isoformat())
    elif effective < first:
        problem = _("The effective date cannot be before the certificate was first issued.")
    else:
        return effective
    form.effective_date.errors = [problem]
    return None


@bp.route("/certificates/<path:number>/status", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR)
def certificate_status(number: str) -> Any:
    """Suspend, restore, withdraw or cancel a certificate, with date, reason and note."""
    cert = _lookup(number)
    form = StatusForm()
    # The reason is published in Chinese; on Chinese pages the choices are that very text.
    form.reason_class.choices = [(key, zh if current_lang() == "zh" else str(en))
                                 for key, zh, en in REASON_CLASSES]
    if request.method == "GET":
        form.effective_date.data = clock.today().isoformat()
    if form.validate_on_submit():
        target = CertificateStatus(form.status.data)
        effective = _check_effective(form, cert)
        reason = _public_reason(form)
        if effective is not None and reason is not None:
            try:
                certificate_service.change_status(
                    cert, target, effective=effective, reason=reason,
                    note=(form.note.data or "").strip(), actor=_actor(), now=clock.utcnow())
                db.session.commit()
            except TransitionError as exc:
                db.session.rollback()
                form.status.errors = [transition_message(exc.current, exc.target)]
            else:
                flash(_("The status of %(number)s is now: %(status)s.",
                        number=cert.certificate_number, status=STATUS_LABELS[target.value]),
                      "success")
                return redirect(url_for("staff.certificate", number=cert.number_key))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/certificate_status.html", cert=cert, form=form,
                           choices=_status_choices(cert), final=cert.status in FINAL), status


@bp.post("/certificates/<path:number>/reissue")
@roles_required(Role.REGISTRAR)
def certificate_reissue(number: str) -> Response:
    """Start a new printed issue: QR codes on earlier prints read "not current"."""
    cert = _lookup(number)
    form = ReissueForm()
    effective = _parse_day(form.effective_date) if form.validate_on_submit() else None
    first = cert.initial_issue_date or cert.issue_date
    if effective is None or effective > clock.today() or effective < first:
        flash(_("The certificate was not re-issued: give the date of the new issue (from "
                "%(first)s to today) and a public reason.", first=first.isoformat()), "error")
    else:
        certificate_service.reissue_certificate(
            cert, effective=effective, reason=form.reason.data.strip(),
            note=(form.note.data or "").strip(), actor=_actor(), now=clock.utcnow())
        db.session.commit()
        flash(_("Issue %(issue)s of the certificate has been recorded. Print the new QR code: "
                "codes on earlier prints now read “not current”.", issue=cert.issue_number),
              "success")
    return redirect(url_for("staff.certificate", number=cert.number_key))
