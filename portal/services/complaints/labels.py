"""Names of complaint stages, kinds and reports as staff, complainants and mails read them."""

from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "under_investigation": _l("Under investigation"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
}
STAGE_EXPLANATIONS = {
    "received": _l("Your case has been registered."),
    "acknowledged": _l("We have checked that your case concerns certification activities and "
                       "accepted it for handling."),
    "under_investigation": _l("A handler with no involvement in the matter is gathering and "
                              "verifying the information."),
    "decided": _l("A decision has been made and is given below."),
    "closed": _l("Handling of the case is finished."),
}
KIND_LABELS = {"complaint": _l("Complaint"), "appeal": _l("Appeal")}
KIND_NOUNS = {"complaint": _l("complaint"), "appeal": _l("appeal")}  # inside a sentence
ABOUT_LABELS = {
    "certified_organization": _l("An organisation certified by us"),
    "certification_body": _l("Our certification body or its staff"),
}
FAKE_KIND_LABELS = {
    "counterfeit_certificate": _l("Suspected counterfeit certificate"),
    "lookalike_site": _l("Look-alike verification website"),
    "other": _l("Other misuse of certificates or marks"),
}
FAKE_STATUS_LABELS = {
    "new": _l("New"),
    "alert_published": _l("Alert published"),
    "no_action": _l("Triaged, no alert"),
}
