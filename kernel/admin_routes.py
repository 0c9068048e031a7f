"""Admin pages that name an object by a public unique field instead of its primary key.

Some primary keys must not be shown: an API key's is `prefix.<hash of the secret>`, and the admin would put
it in every link, form, log entry and access log. `RoutedByFieldAdmin` makes every admin URL, checkbox and
log entry of its model use `route_field` instead; the model's templates under `admin/<app>/<model>/` do the
same for the links Django's templates build from `.pk`.
"""

import json
import re

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


class RoutedChangeList(ChangeList):
    """Link each row by the admin's `route_field`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pk_attname = self.model_admin.route_field  # only url_for_result reads it


class RoutedByFieldAdmin(admin.ModelAdmin):
    """Route and show objects by `route_field` (unique), never by their primary key."""

    route_field = None

    def route_value(self, obj):
        return str(getattr(obj, self.route_field))

    def change_url(self, obj):
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(quote(self.route_value(obj)),),
                       current_app=self.admin_site.name)

    def get_object(self, request, object_id, from_field=None):
        # The primary key in a URL finds nothing: pages exist only under the public name.
        return self.get_queryset(request).filter(**{self.route_field: object_id}).first()

    def get_changelist(self, request, **kwargs):
        return RoutedChangeList

    def action_checkbox(self, obj):
        attrs = {"class": "action-select", "aria-label": format_html(_("Select this object for an action - {}"), obj)}
        return forms.CheckboxInput(attrs, lambda value: False).render(helpers.ACTION_CHECKBOX_NAME,
                                                                       self.route_value(obj))

    def response_action(self, request, queryset):
        # Checkboxes carry the public name; Django's action code selects by primary key.
        post = request.POST.copy()
        names = post.getlist(helpers.ACTION_CHECKBOX_NAME)
        chosen = queryset.filter(**{f"{self.route_field}__in": names}).values_list("pk", flat=True)
        post.setlist(helpers.ACTION_CHECKBOX_NAME, [str(pk) for pk in chosen])
        request.POST = post
        return super().response_action(request, queryset)

    def response_add(self, request, obj, post_url_continue=None):
        return super().response_add(request, obj, post_url_continue=post_url_continue or self.change_url(obj))

    def message_user(self, request, message, *args, **kwargs):
        super().message_user(request, self._routed_links(message), *args, **kwargs)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return self._routed_links(deleted), model_count, perms_needed, protected

    def _routed_links(self, shown):
        """Return `shown` (text, or nested lists of it) with links to this model's pages by primary key routed."""
        if isinstance(shown, list):
            return [self._routed_links(item) for item in shown]
        if not isinstance(shown, str):
            return shown
        opts = self.opts
        base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name)
        linked = re.compile(re.escape(base) + r"([^/\"?#]+)/")
        pks = {unquote(found) for found in linked.findall(shown)}
        names = dict(self.model._default_manager.filter(pk__in=pks).values_list("pk", self.route_field))

        def route(match):
            name = names.get(unquote(match.group(1)))
            return match.group(0) if name is None else f"{base}{quote(str(name))}/"

        routed = linked.sub(route, shown)
        return mark_safe(routed) if isinstance(shown, SafeString) else routed

    def log_addition(self, request, obj, message):
        return self._log(request, [obj], ADDITION, message)[0]

    def log_change(self, request, obj, message):
        return self._log(request, [obj], CHANGE, message)[0]

    def log_deletions(self, request, queryset):
        return self._log(request, queryset, DELETION, "")

    def _log(self, request, objs, action_flag, message):
        # The history and "recent actions" link to LogEntry.object_id, so it holds the public name too.
        if isinstance(message, list):
            message = json.dumps(message)
        content_type = ContentType.objects.get_for_model(self.model, for_concrete_model=False)
        return LogEntry.objects.bulk_create([
            LogEntry(user_id=request.user.pk, content_type=content_type, object_id=self.route_value(obj),
                     object_repr=str(obj)[:200], action_flag=action_flag, change_message=message)
            for obj in objs])

