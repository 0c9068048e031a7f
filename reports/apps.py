from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# name, period type, crontab (minute, hour, day of month, month of year) in Asia/Ho_Chi_Minh.
DEFAULT_SCHEDULES = [
    ("Báo cáo tháng (tháng trước)", "month", ("0", "7", "5", "*")),
    ("Báo cáo quý (quý trước)", "quarter", ("0", "7", "10", "1,4,7,10")),
    ("Báo cáo năm (năm trước)", "year", ("0", "7", "15", "1")),
]


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        post_migrate.connect(default_schedules_ensure, sender=self, dispatch_uid="reports_schedules")


def default_schedules_ensure(**kwargs):
    """Create the default report schedules that are missing; an admin's edits are kept."""
    from departments.schedules import schedule_ensure

    for name, period_type, (minute, hour, day, month) in DEFAULT_SCHEDULES:
        schedule_ensure(name=name, task="reports.generate_scheduled", minute=minute, hour=hour, day_of_month=day,
                        month_of_year=month, kwargs={"period_type": period_type, "schedule_name": name})
