from celery import shared_task
from django.utils import timezone

from .reminders import deadline_reminders_send


@shared_task(name="indicators.send_deadline_reminders")
def send_deadline_reminders():
    """Remind unit staff of deadlines; a second run on the same day sends nothing."""
    return deadline_reminders_send(today=timezone.localdate())
