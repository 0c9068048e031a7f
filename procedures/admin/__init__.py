"""Admin for the procedure catalogue, dossiers and their statistics.

Catalogue edits go through `services.procedure_save`, dossier uploads through `ingest.dossiers_import`:
the admin translates input and shows results; the policy and the services decide.
"""

from . import catalogue, dossiers, official766, stats, uploads
from .catalogue import ProcedureAdmin

# importing them registers their admins
__all__ = ["ProcedureAdmin", "catalogue", "dossiers", "official766", "stats", "uploads"]
