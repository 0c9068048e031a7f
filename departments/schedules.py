"""Default beat schedules each app needs; created when missing, never overwriting an admin's edit."""

import json

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask


def schedule_ensure(*, name, task, minute="0", hour="1", day_of_month="*", month_of_year="*", kwargs=None):
    """Create the periodic task `name` on a crontab in the portal's time zone unless it exists."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(name=name, defaults={
        "task": task, "crontab": crontab, "kwargs": json.dumps(kwargs or {}),
    })
