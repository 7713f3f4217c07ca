"""`/verify-list` (bulk check) and the Atom feeds."""

from typing import Any

from flask import Response, abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock
from portal.extensions import csrf, limiter
from portal.i18n import STATUS_LABELS, current_lang
from portal.register.public import PublicCertificate, find_certificate
from portal.render_cache import cached_by_version
from portal.services import bulk_verify, checked_lists, feeds
from portal.services import watch as watch_service
from portal.services.mail import MailError
from portal.suppliers import bp
from portal.suppliers.forms import SupplierListForm, WatchForm
from portal.suppliers.list_views import ListWatchForm

ATOM = "application/atom+xml; charset=utf-8"


def _list_error_message(error: bulk_verify.ListError) -> str:
    messages = {
        "too_large": _("The file is larger than 2 MB."),
        "empty": _("The file is empty."),
        "unreadable": _("The file could not be read as a spreadsheet."),
        "encoding": _("The file is not in UTF-8 or GB18030 encoding."),
        "too_many_rows": _("The list has %(n)s rows; at most 1,000 can be checked at once.",
                           n=error.detail) if error.detail
        else _("The list has more than 1,000 rows; at most 1,000 can be checked at once."),
        "limit": _("The file could not be checked: line %(line)s: %(problem)s",
                   line=error.line, problem=error.detail),
    }
    return messages.get(error.code, _("The file could not be read."))


def _labels() -> dict[str, str]:
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    labels.update(not_found=_("Not found"), certificate_number=_("Certificate number"),
                  credit_code=_("Credit code"), name=_("Exact name"),
                  match=_("Name matches"), probable=_("Name probably matches"),
                  no_match=_("Name does not match the holder"),
                  counterfeit=_("Known counterfeit number"), did_you_mean=_("Did you mean"))
    return labels


@bp.route("/verify-list", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def verify_list() -> Any:
    """Check a whole supplier list at once; show a table or download it as XLSX."""
    form = SupplierListForm()
    rows = None
    error = None
    download_token = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = bulk_verify.check_rows(bulk_verify.read_rows(upload.stream,
                                                                upload.filename or ""),
                                          clock.today())
        except bulk_verify.ListError as exc:
            error = _list_error_message(exc)
        if rows is not None and request.form.get("format") == "xlsx":
            # The same table as the page's download links (checked_lists.table): one writer.
            body = checked_lists.to_xlsx(
                _download_headers(), checked_lists.table(checked_lists.snapshot(rows), _labels()))
            stamp = clock.today().isoformat()
            return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                                            "spreadsheetml.sheet",
                            headers={"Content-Disposition":
                                     f'attachment; filename="verification-{stamp}.xlsx"'})
        if rows is not None:
            # Kept for the page's download links: they serve exactly this table.
            download_token = checked_lists.save(rows, now=clock.utcnow())
    status = 400 if (form.errors or error) and request.method == "POST" else 200
    response = make_response(render_template(
        "suppliers/verify_list.html", form=form, rows=rows, error=error, labels=_labels(),
        summary=bulk_verify.summary(rows) if rows is not None else None,
        watched=(len(checked_lists.watchable(checked_lists.snapshot(rows)))
                 if rows is not None else 0),
        download_token=download_token, keep_minutes=int(checked_lists.KEEP.total_seconds() // 60),
        list_watch_form=ListWatchForm(formdata=None)),
        status)
    if rows is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/verify-list/template.csv")
def verify_list_template() -> Response:
    """A supplier list to fill in: the three columns /verify-list reads, and an example row."""
    body = checked_lists.to_csv(["certificate_number", "credit_code", "name"],
                                [["02722Q10234R3M", "", _("Company name as printed")]])
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="supplier-list-template.csv"'})


def _download_headers() -> list[str]:
    return [_("Line"), _("Certificate number (yours)"), _("Credit code (yours)"),
            _("Name (yours)"), _("Matched by"), _("Certificate number"),
            _("Certified organisation"), _("Scheme"), _("Status"), _("Expiry date"),
            _("Verdict"), _("Reasons"), _("Name check")]


@bp.get("/verify-list/results/<token>.<any(csv, xlsx):fmt>")
@limiter.limit("120 per hour")
def verify_list_download(token: str, fmt: str) -> Any:
    """Download the result a `/verify-list` page showed, as CSV or XLSX (no second upload)."""
    checked = checked_lists.load(token, now=clock.utcnow())
    if checked is None:
        return render_template("suppliers/results_gone.html"), 404
    rows = checked_lists.table(checked.rows, _labels())
    stamp = checked.checked_at.astimezone(clock.CHINA).strftime("%Y-%m-%d-%H%M")
    if fmt == "csv":
        body = checked_lists.to_csv(_download_headers(), rows)
        mimetype = "text/csv; charset=utf-8"
    else:
        body = checked_lists.to_xlsx(_download_headers(), rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f'attachment; filename="verification-{stamp}.{fmt}"',
        "Cache-Control": "private, no-store"})


def _public_url(endpoint: str, **values: Any) -> str:
    # Never from the request's Host header: a forged one would name another site (#13.12).
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


@bp.get("/feed.atom")
def feed() -> Response:
    """Status changes of all public certificates, newest first."""
    entries = feeds.recent_changes(clock.today())
    body = render_template("suppliers/feed.xml", entries=entries, title=_("Certificate changes"),
                           self_url=_public_url("suppliers.feed"),
                           updated=entries[0].change.moment if entries else clock.utcnow())
    return Response(body, mimetype=ATOM)


@bp.get("/certificates/<path:number>/feed.atom")
@cached_by_version("feed")
def certificate_feed(number: str) -> Response:
    """Changes of one certificate (only status changes for a restricted one)."""
    cert = find_certificate(number) or abort(404)
    public = PublicCertificate.of(cert, clock.today())
    entries = feeds.certificate_changes(public)
    body = render_template(
        "suppliers/feed.xml", entries=entries,
        title=_("Changes of certificate %(number)s", number=public.certificate_number),
        self_url=_public_url("suppliers.certificate_feed", number=public.certificate_number),
        updated=entries[0].change.moment if entries else public.updated_at)
    return Response(body, mimetype=ATOM)


@bp.route("/certificates/<path:number>/watch", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def watch(number: str) -> Any:
    """Subscribe by e-mail to one certificate's changes (no account needed)."""
    found = find_certificate(number) or abort(404)
    cert = PublicCertificate.of(found, clock.today())
    form = WatchForm()
    if form.validate_on_submit():
        try:
            watch_service.subscribe(found, form.email.data, lang=current_lang(),
                                    now=clock.utcnow())
        except MailError:
            error = _("The confirmation e-mail could not be sent just now. Please try again later.")
            return render_template("watch/form.html", cert=cert, form=form, error=error), 503
        # The same answer whether or not the address was subscribed already.
        return render_template("watch/check_mail.html", cert=cert)
    status = 400 if form.errors else 200
    return render_template("watch/form.html", cert=cert, form=form), status


@bp.get("/watch/confirm/<token>")
def watch_confirm(token: str) -> Any:
    """Confirm a subscription from the link in the e-mail."""
    sub = watch_service.confirm(token, now=clock.utcnow())
    if sub is None:
        return render_template("watch/link_invalid.html"), 404
    return render_template("watch/confirmed.html", sub=sub)


@bp.route("/watch/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the secret token is the credential; mail clients POST here (RFC 8058)
def watch_unsubscribe(token: str) -> Any:
    """One-click unsubscribe: GET shows a button, POST unsubscribes."""
    sub = watch_service.find(token)
    if sub is None:
        return render_template("watch/link_invalid.html"), 404
    if request.method == "POST":
        watch_service.unsubscribe(token, now=clock.utcnow())
        return render_template("watch/unsubscribed.html", sub=sub)
    return render_template("watch/unsubscribe.html", sub=sub, token=token)
