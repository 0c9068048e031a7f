"""Deadline reminders to unit staff: N days before a reporting deadline, and when it has passed.

Set-based: a handful of queries whatever the number of units, then one email per person.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from departments.models import Membership, Role

from .models import Indicator, IndicatorValue, ReminderRun, Source, ValueState
from .periods import parse_period
from .selectors import last_finished_period

OVERDUE_REPEAT_DAYS = 7


def _is_reminder_day(due, today, days_before):
    if due - today == timedelta(days=days_before):
        return "soon"
    late = (today - due).days
    if late > 0 and late % OVERDUE_REPEAT_DAYS == 1 % OVERDUE_REPEAT_DAYS:
        return "overdue"  # the day after the deadline, then weekly
    return None


def deadline_reminders(*, today):
    """Return {email: [lines]} of what each staff member's units owe and why today is the day to say so."""
    days_before = settings.REMINDER_DAYS_BEFORE
    indicators = list(Indicator.objects.filter(is_active=True, source=Source.MANUAL).select_related("framework"))
    due_items = []
    for indicator in indicators:
        period = parse_period(last_finished_period(indicator.period_type, today))
        when = _is_reminder_day(indicator.due_date_for(period), today, days_before)
        if when:
            due_items.append((indicator, period, when))
    if not due_items:
        return {}
    memberships = list(
        Membership.objects.filter(user__groups__name=Role.STAFF.value, user__is_active=True)
        .exclude(user__email="").filter(Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=today))
        .select_related("unit", "user")
    )
    sent = set(IndicatorValue.objects.filter(
        indicator__in=[item[0] for item in due_items], period__in={item[1].code for item in due_items},
        state__in=[ValueState.SUBMITTED, ValueState.APPROVED],
    ).values_list("indicator_id", "unit_id", "period"))
    messages = defaultdict(list)
    for membership in memberships:
        for indicator, period, when in due_items:
            unit = membership.unit
            if not indicator.applies_to(unit) or (indicator.pk, unit.pk, period.code) in sent:
                continue
            label = _("sắp đến hạn") if when == "soon" else _("đã quá hạn")
            messages[membership.user.email].append(
                f"- {unit.name}: {indicator.code} {indicator.name}, {_('kỳ')} {period.code}, "
                f"{_('hạn')} {indicator.due_date_for(period):%d/%m/%Y} ({label})"
            )
    return dict(messages)


def deadline_reminders_send(*, today):
    """Email the reminders once per day; return how many people were written to (0 on a repeat run)."""
    with transaction.atomic():
        run, first = ReminderRun.objects.select_for_update().get_or_create(day=today)
        if not first:
            return 0
        reminders = deadline_reminders(today=today)
        subject = _("[DX Portal] Nhắc hạn báo cáo số liệu chuyển đổi số")
        mails = [(subject, _("Các chỉ tiêu sau chưa được gửi duyệt:") + "\n" + "\n".join(lines), None, [email])
                 for email, lines in sorted(reminders.items())]
        send_mass_mail(mails, fail_silently=False)
        run.sent = len(mails)
        run.save(update_fields=["sent"])
    return len(mails)
