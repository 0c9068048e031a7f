"""The base of every django-import-export resource the admin exports with."""

from import_export import resources

from .cells import safe_cell


class SafeCellsModelResource(resources.ModelResource):
    """Export every cell through `safe_cell`, so a formula typed into the data stays text in CSV and XLSX."""

    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields=None):
        return [safe_cell(header) for header in super().get_export_headers(selected_fields)]
