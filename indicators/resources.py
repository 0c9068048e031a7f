"""Export of indicator values with django-import-export.

The first seven columns are exactly what `indicators.imports` reads, so an exported file can be
edited and imported again. The columns after them are for people and are ignored on import.
Text that a spreadsheet would run as a formula is written behind an apostrophe (`kernel.cells`).
"""

from import_export import fields, widgets

from kernel.resources import SafeCellsModelResource

from .models import IndicatorValue


class PlainDecimalWidget(widgets.DecimalWidget):
    """Write numbers the same in every language (no decimal comma), so a CSV reads back as it was."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else format(value, "f")


class IndicatorValueResource(SafeCellsModelResource):
    indicator = fields.Field(attribute="indicator__code", column_name="indicator", readonly=True)
    unit = fields.Field(attribute="unit__code", column_name="unit", readonly=True)
    period = fields.Field(attribute="period", column_name="period", readonly=True)
    numerator = fields.Field(attribute="numerator", column_name="numerator", widget=PlainDecimalWidget(),
                             readonly=True)
    denominator = fields.Field(attribute="denominator", column_name="denominator", widget=PlainDecimalWidget(),
                               readonly=True)
    value = fields.Field(attribute="value", column_name="value", widget=PlainDecimalWidget(), readonly=True)
    note = fields.Field(attribute="note", column_name="note", readonly=True)
    state = fields.Field(attribute="get_state_display", column_name="state", readonly=True)
    version = fields.Field(attribute="version", column_name="version", readonly=True)
    indicator_name = fields.Field(attribute="indicator__name", column_name="indicator_name", readonly=True)
    unit_name = fields.Field(attribute="unit__name", column_name="unit_name", readonly=True)

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "unit", "period", "numerator", "denominator", "value", "note", "state", "version",
                  "indicator_name", "unit_name"]
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().none()  # the admin always passes the values the person may see
