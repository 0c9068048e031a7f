"""Serializers every app's API shares, for the schema only: the one error shape and the import summary.

`kernel.api.errors` renders errors and the apps' import services build summaries; these describe them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()


class ApiErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()
    errors = ApiErrorItemSerializer(many=True)


class ApiConflictSerializer(ApiErrorSerializer):
    current = serializers.JSONField(help_text=_("Trạng thái hiện tại của số liệu."))


ERROR_RESPONSES = {400: ApiErrorSerializer, 403: ApiErrorSerializer, 404: ApiErrorSerializer}


class ImportCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ImportConflictSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Số thứ tự dòng, bắt đầu từ 1."))
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    message_en = serializers.CharField()


class ImportSummarySerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("ok: không có dòng bị từ chối; partial: đã ghi các dòng hợp lệ; "
                                               "rejected: không ghi gì."))
    dry_run = serializers.BooleanField()
    partial = serializers.BooleanField()
    counts = ImportCountsSerializer()
    conflicts = ImportConflictSerializer(many=True)
