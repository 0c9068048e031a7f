"""What a dossier is, said once: the fields a one-stop system pushes, how each is stored, which are required.

The import (columns, parsing, the stored tuple), the API serializers, the admin columns and the statistics'
flag counters all read this description, so adding a field starts here.
"""

from collections import namedtuple
from dataclasses import dataclass


@dataclass(frozen=True)
class DossierField:
    name: str  # as pushed: the JSON key and the CSV column
    stored: str  # the Dossier attribute it is kept in
    kind: str  # how it is read: code, procedure, unit, channel, moment, outcome or flag
    required: bool = False


DOSSIER_FIELDS = (
    DossierField("code", "code", "code", required=True),
    DossierField("procedure", "procedure_id", "procedure", required=True),
    DossierField("unit", "unit_id", "unit", required=True),
    DossierField("channel", "channel", "channel", required=True),
    DossierField("received_at", "received_at", "moment", required=True),
    DossierField("due_at", "due_at", "moment", required=True),
    DossierField("completed_at", "completed_at", "moment"),
    DossierField("outcome", "outcome", "outcome"),
    DossierField("fee_required", "fee_required", "flag"),
    DossierField("paid_online", "paid_online", "flag"),
    DossierField("digitized", "digitized", "flag"),
    DossierField("e_result", "e_result", "flag"),
)

PUSHED = [field.name for field in DOSSIER_FIELDS]
REQUIRED_COLUMNS = tuple(field.name for field in DOSSIER_FIELDS if field.required)
FLAGS = [field.name for field in DOSSIER_FIELDS if field.kind == "flag"]
# What the upsert compares and writes per dossier (everything but its key, the code).
STORED = [field.stored for field in DOSSIER_FIELDS if field.kind != "code"]
# The model's names of what a one-stop system says about a dossier, for serializers and admin columns.
MODEL_FIELDS = [field.stored.removesuffix("_id") for field in DOSSIER_FIELDS]

StoredDossier = namedtuple("StoredDossier", STORED)
