from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel.api.fields import ChoiceLabelField
from kernel.api.rows import FastRowsMixin

from ..models import ApiKey, Role, Unit


class UnitSerializer(FastRowsMixin, serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    kind_label = ChoiceLabelField("kind")

    class Meta:
        model = Unit
        fields = ["code", "name", "name_en", "kind", "kind_label", "parent", "valid_from", "valid_to", "successor"]


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind"]


class ApiKeyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["prefix", "name", "scopes", "expiry_date"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True)
    role_label = serializers.CharField(allow_null=True)
    units = UnitBriefSerializer(many=True, help_text=_("Các đơn vị mà người dùng hoặc khóa API thuộc về."))
    api_key = ApiKeyBriefSerializer(allow_null=True)
