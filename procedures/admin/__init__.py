"""Admin for the procedure catalogue, dossiers and their statistics.

Catalogue edits go through `services.procedure_save`, dossier uploads through `ingest.dossiers_import`:
the admin translates input and shows results; the policy and the services decide.
"""

from . import catalogue, dossiers, stats, uploads
from .catalogue import ProcedureAdmin

__all__ = ["ProcedureAdmin", "catalogue", "dossiers", "stats", "uploads"]  # importing them registers their admins
