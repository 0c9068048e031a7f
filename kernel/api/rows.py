"""Serializers that pages of many rows can afford: the same fields and JSON as DRF's, read more directly.

DRF reads each field of each row through `Field.get_attribute`: a walk over the source's parts that asks of
every part whether it is a mapping (an abstract-class check) and a callable (a signature inspection), inside
exception handling that decides between a default, null and leaving the field out. For a field that names a
model column or a forward relation, none of that can happen, so `FastRowsMixin` plans each field once per
serializer (once per request for a list) and reads such fields with one attribute getter. Every other field
(a method field, a nested serializer, a source of "*", a dotted source through a relation that may be null)
is read exactly as DRF reads it. The value then goes through the field's own `to_representation`, except for
relations named by a slug or a primary key, whose representation is that one attribute.
"""

from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from rest_framework import relations
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


class FastRowsMixin:
    # Put before the serializer class: `class XSerializer(FastRowsMixin, serializers.ModelSerializer)`.
    # No docstring: the OpenAPI schema would show it as the description of every serializer using this.

    def to_representation(self, instance):
        row = {}
        for name, read, represent in self._row_plan:
            if read is None:  # DRF's own way, for the fields this plan does not know
                try:
                    value = represent.get_attribute(instance)
                except SkipField:
                    continue
                checked = value.pk if isinstance(value, PKOnlyObject) else value
                row[name] = None if checked is None else represent.to_representation(value)
                continue
            value = read(instance)
            row[name] = None if value is None else represent(value)
        return row

    @property
    def _row_plan(self):
        plan = self.__dict__.get("_row_plan_cache")
        if plan is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            plan = self.__dict__["_row_plan_cache"] = [_plan(field, model) for field in self._readable_fields]
        return plan


def _plan(field, model):
    """Return (name, getter or None, representation) for one readable field."""
    path = _model_path(model, field.source_attrs) if model is not None else None
    if path is None or isinstance(field, relations.ManyRelatedField):
        return field.field_name, None, field
    attnames, last = path
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None and last.many_to_one:
        # DRF's primary-key shortcut: the column itself, not the related row (which may not be loaded).
        return field.field_name, attrgetter(".".join([*attnames[:-1], last.attname])), _same
    if isinstance(field, relations.SlugRelatedField):
        return field.field_name, attrgetter(".".join(attnames)), attrgetter(field.slug_field.replace("__", "."))
    if isinstance(field, relations.RelatedField):
        return field.field_name, None, field
    return field.field_name, attrgetter(".".join(attnames)), field.to_representation


def _model_path(model, attrs):
    """Return (attrs, last model field) if `attrs` walk the model's columns and non-null forward relations."""
    if not attrs:
        return None
    for position, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.many_to_many or field.name != attr:
            return None
        if position < len(attrs) - 1:
            # Through a relation that is always set: DRF would skip or null the field when it is not.
            if not field.many_to_one or field.null:
                return None
            model = field.related_model
    return attrs, field


def _same(value):
    return value
