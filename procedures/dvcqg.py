"""The national sync shape (as one-stop systems push dossiers to the National Public Service Portal), mapped
onto the portal's own shape, which the import validates and stores; and the portal's outcome as a status.

One place says which national field is which portal field (`procedures.dossier_fields`, `national=`), how
the national codes read (channel 1/2/3, status 1–10) and how a rejection's field path is named back in
national names, so a source sees its own field names in the summary.
"""

import re

from django.utils.translation import gettext_lazy as _

from .dossier_fields import DOSSIER_FIELDS, STEP_FIELDS, SUPPLEMENT_FIELDS
from .models import Channel, DossierStatus, Outcome

SHAPE = "dvcqg"
CHANNELS = {"1": Channel.IN_PERSON, "2": Channel.ONLINE, "3": Channel.POST}
# The portal's own shape states an outcome; it stands for this status (resolved and rejected are both decided).
OUTCOME_STATUS = {
    Outcome.PENDING: DossierStatus.PROCESSING, Outcome.RESOLVED: DossierStatus.DONE,
    Outcome.REJECTED: DossierStatus.DONE, Outcome.WITHDRAWN: DossierStatus.WITHDRAWN,
}
# What a national status means for the portal's older `outcome` (kept for filters and existing readers).
STATUS_OUTCOME = {
    **{status: Outcome.PENDING for status in ("1", "2", "4", "5", "6")},
    "3": Outcome.REJECTED, "7": Outcome.WITHDRAWN, "8": Outcome.WITHDRAWN,
    "9": Outcome.RESOLVED, "10": Outcome.RESOLVED,
}
TO_PORTAL = {field.national: field.name for field in DOSSIER_FIELDS if field.national}
TO_NATIONAL = {portal: national for national, portal in TO_PORTAL.items()}
CHILDREN = {"supplements": SUPPLEMENT_FIELDS, "steps": STEP_FIELDS}
CHILD_TO_NATIONAL = {name: {portal: national for portal, national, _kind in fields}
                     for name, fields in CHILDREN.items()}
# Messages that name national codes where the portal's would name its own.
MESSAGES = {
    "channel": _("Kênh thực hiện không hợp lệ: 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)."),
}
PATH = re.compile(r"^(?P<name>\w+)(?:\[(?P<index>\d+)\](?:\.(?P<child>\w+))?)?$")


def to_portal_row(row):
    """Return a national-shape dossier as a portal-shape row; anything that is not an object is left as is."""
    if not isinstance(row, dict):
        return row
    portal = {TO_PORTAL[name]: value for name, value in row.items() if name in TO_PORTAL}
    if portal.get("status") in (None, ""):
        portal["status"] = "?"  # the national shape always states a status: a missing one is an error
    if "channel" in portal:
        portal["channel"] = CHANNELS.get(str(portal["channel"]).strip(), f"?{portal['channel']}")
    fees = portal.get("fees")
    portal["fee_required"] = isinstance(fees, list) and bool(fees)
    for name, fields in CHILDREN.items():
        if isinstance(portal.get(name), list):
            portal[name] = [_child(item, fields) for item in portal[name]]
    return portal


def _child(item, fields):
    if not isinstance(item, dict):
        return item
    return {portal: item.get(national) for portal, national, _kind in fields if national in item}


def national_field(path):
    """Return a portal field path ("supplements[2].new_due_at") in national names."""
    if path is None:
        return None
    match = PATH.match(path)
    if match is None:
        return path
    name = TO_NATIONAL.get(match["name"], match["name"])
    if match["index"] is None:
        return name
    child = CHILD_TO_NATIONAL.get(match["name"], {}).get(match["child"], match["child"])
    return f"{name}[{match['index']}]" + (f".{child}" if child else "")


def national_message(path, message):
    """Return the message a national-shape source reads for a rejection of `path`."""
    return MESSAGES.get(path, message)
