"""The indicators admin: catalogues for administrators, data entry for staff, review for reviewers.

Every change goes through `indicators.services` (or `indicators.imports`); this module only turns
forms and actions into service calls and service errors into form errors and messages.
"""

from django.contrib import admin

from . import audit, catalogue, values

__all__ = ["audit", "catalogue", "values"]  # importing them registers their admins

# The admin index shows the indicators' work module (my tasks, review queue, import) above the
# applications. The template extends "admin/index.html", so a project override of it still applies.
if admin.site.index_template is None:
    admin.site.index_template = "admin/indicators/index.html"
