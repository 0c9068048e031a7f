from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Frequency, Regime
from ..periods import EARLIEST_YEAR, LATEST_YEAR


class RegimeSerializer(serializers.ModelSerializer):
    window_kind_label = serializers.CharField(source="get_window_kind_display", read_only=True)
    deadline_kind_label = serializers.CharField(source="get_deadline_kind_display", read_only=True)
    frequencies = serializers.ListField(child=serializers.ChoiceField(choices=Frequency.choices), read_only=True)

    class Meta:
        model = Regime
        fields = [
            "code", "name", "legal_basis", "recipient", "frequencies", "window_kind", "window_kind_label",
            "window_start_day", "window_end_day", "snapshot_day", "deadline_kind", "deadline_kind_label",
            "deadline_working_days", "deadline_day", "deadline_month_offset", "reminder_days_before",
            "valid_from", "valid_to", "source_note",
        ]


class PeriodsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, help_text=_("Năm báo cáo, ví dụ 2023."))
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False)


class WindowSerializer(serializers.Serializer):
    period = serializers.CharField(help_text=_("Tên kỳ: 2023, 2023M9, 2023S1, 2023Q3, 202308."))
    start = serializers.DateField(help_text=_("Ngày đầu kỳ (tính cả ngày này)."))
    end = serializers.DateField(help_text=_("Ngày chốt số liệu (tính cả ngày này)."))
    deadline = serializers.DateField(help_text=_("Hạn gửi báo cáo."))


FREQUENCY_NOT_IN_REGIME = _("Chế độ báo cáo này không có tần suất đó.")
