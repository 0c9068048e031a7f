from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Thủ tục hành chính")

    def ready(self):
        post_migrate.connect(default_schedules_ensure, sender=self, dispatch_uid="procedures_schedules")


def default_schedules_ensure(**kwargs):
    from departments.schedules import schedule_ensure

    schedule_ensure(name="Tính lại chỉ tiêu tự tính từ hồ sơ (hằng đêm)", task="procedures.refresh_computed_indicators",
                    minute="30", hour="1")
