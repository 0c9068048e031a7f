from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Thủ tục hành chính")

    def ready(self):
        post_migrate.connect(default_schedules_ensure, sender=self, dispatch_uid="procedures_schedules")


def default_schedules_ensure(**kwargs):
    """Create the nightly refresh of computed indicators if missing; never overwrite an admin's edit."""
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name="Tính lại chỉ tiêu tự tính từ hồ sơ (hằng đêm)",
        defaults={"task": "procedures.refresh_computed_indicators", "crontab": nightly},
    )
