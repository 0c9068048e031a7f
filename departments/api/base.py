"""What every app's API views and serializers share that needs the access policy: the actor, units by code."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..policy import Actor

UNKNOWN_UNIT = _("Không có đơn vị với mã này.")


class ActorMixin:
    """A view that knows who is asking (person or API key) and validates input with its serializers."""

    @property
    def actor(self):
        return Actor.from_request(self.request)

    def valid(self, serializer_class, data, **kwargs):
        serializer = serializer_class(data=data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code; with `scoped`, only what the caller may see is found.

    An object outside the caller's scope gets the same answer as one that does not exist.
    """

    def __init__(self, *, unknown_message, scoped=None, **kwargs):
        kwargs.setdefault("slug_field", "code")
        self.scoped = scoped
        super().__init__(**kwargs)
        self.error_messages = {**self.error_messages, "does_not_exist": unknown_message, "invalid": unknown_message}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scoped is None:
            return queryset
        return self.scoped(Actor.from_request(self.context["request"]), queryset)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            # PostgreSQL cannot compare text holding a NUL: no such code can exist.
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class ApiKeyNameSerializer(serializers.Serializer):
    prefix = serializers.CharField()
    name = serializers.CharField()
