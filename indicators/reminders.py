"""Deadline reminders to unit staff: N working days before a deadline (the regime's list), and when it has passed.

Set-based: a handful of queries whatever the number of units, then one email per person.
"""

from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from departments.models import Membership, Role
from regimes.workdays import calendar_for

from .models import IndicatorValue, ReminderRun, ValueState
from .periods import current_period
from .selectors import due_periods_of, indicators_with_regimes, working_days_late

# Overdue reminders: the first working day after the deadline, then every five working days (a working week).
OVERDUE_REPEAT_WORKING_DAYS = 5


def _is_reminder_day(due, today, days_before, workdays):
    """Return "soon", "overdue" or None: reminders go out on working days only."""
    if not workdays.is_working_day(today):
        return None
    if today < due and workdays.working_days_between(today, due) in days_before:
        return "soon"
    late = working_days_late(due, today, workdays)
    if late > 0 and late % OVERDUE_REPEAT_WORKING_DAYS == 1 % OVERDUE_REPEAT_WORKING_DAYS:
        return "overdue"
    return None


def _days_before(regime):
    """Return the regime's reminder days (working days before the deadline), else the portal's setting."""
    return set(regime.reminder_days_before or [settings.REMINDER_DAYS_BEFORE])


def deadline_reminders(*, today):
    """Return {email: [lines]} of what each staff member's units owe and why today is the day to say so."""
    indicators = indicators_with_regimes()
    workdays = calendar_for(today.year - 1, today.year)
    # A Decree 09 deadline falls days after the cut-off, so "soon" can concern the period still running.
    finished = due_periods_of(indicators, today, workdays)
    running = due_periods_of(indicators, today, workdays, pick=current_period)
    due_items = []
    for indicator in indicators:
        days_before = _days_before(indicator.regime_in_force())
        for period in dict.fromkeys([finished[indicator.pk], running[indicator.pk]]):
            when = _is_reminder_day(period.deadline, today, days_before, workdays)
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
                f"{_('hạn')} {period.deadline:%d/%m/%Y} ({label})"
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
