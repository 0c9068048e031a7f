"""Serializer fields that lists of thousands of rows can afford."""

from rest_framework import serializers


class ChoiceLabelField(serializers.CharField):
    """The label of a model field with choices, in the active language (what `get_<name>_display` returns).

    `CharField(source="get_state_display")` makes DRF inspect the method's signature on every row, which costs
    more than the rest of the row; this reads the label from the field's choices directly.
    """

    def __init__(self, choice_field, **kwargs):
        self.choice_field = choice_field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        cached = self.__dict__.get("_labels")
        if cached is None:
            # Once per serializer (one request, one language): Django's display builds this dict for every row.
            field = instance._meta.get_field(self.choice_field)
            cached = self.__dict__["_labels"] = field.attname, {value: str(label) for value, label in field.flatchoices}
        attname, labels = cached
        value = getattr(instance, attname)
        if value in labels:
            return labels[value]
        return str(instance._get_FIELD_display(instance._meta.get_field(self.choice_field)))
