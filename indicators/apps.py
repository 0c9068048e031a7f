from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu chuyển đổi số")

    def ready(self):
        post_migrate.connect(default_schedules_ensure, sender=self, dispatch_uid="indicators_schedules")


def default_schedules_ensure(**kwargs):
    from departments.schedules import schedule_ensure

    schedule_ensure(name="Nhắc hạn báo cáo chỉ tiêu (hằng ngày)", task="indicators.send_deadline_reminders",
                    minute="30", hour="7")
