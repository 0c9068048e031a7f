"""Admin base classes: saves that are service calls (refusals shown as form errors), read-only admins."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect

from .errors import ServiceError


class _Refused(Exception):
    """A service refused the save; the transaction of the change form is rolled back."""

    def __init__(self, error):
        super().__init__(str(error.message))
        self.error = error


def _form_with_refusal(form_class, refusal):
    """Return a subclass of `form_class` that reports the service's refusal as a field (or form) error."""

    class RefusedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            field = refusal.field if refusal.field in self.fields else None
            if field and self.fields[field].widget.is_hidden:
                field = None
            self.add_error(field, refusal.message)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceSaveAdmin(admin.ModelAdmin):
    """An admin that never writes itself: saves and deletes call the app's services.

    Subclasses implement `save_through_service` (and `delete_through_service`). A ServiceError from
    either rolls the whole change form back and shows the form again with the reason on its field;
    from a bulk delete it becomes an error message.
    """

    # save_through_service(request, obj, form, change) -> the saved object; delete_through_service(request, obj)
    SERVICE_HOOKS = ("save_through_service", "delete_through_service")

    def __init_subclass__(cls, **kwargs):
        # Checked when the class is defined: an admin that would fall back to writing itself never loads.
        super().__init_subclass__(**kwargs)
        missing = [name for name in cls.SERVICE_HOOKS if not callable(getattr(cls, name, None))]
        if missing:
            raise TypeError(f"{cls.__name__} writes through services: define {', '.join(missing)}")

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_through_service(request, obj, form, change)
        except ServiceError as error:
            raise _Refused(error) from error
        if saved is not None and saved is not obj:
            obj.pk = saved.pk
            obj.refresh_from_db()
            obj._state.adding = False

    def refuse(self, error):
        """Raise a service's refusal from a later step of the save (an inline), so the form shows it."""
        raise _Refused(error) from error

    def delete_model(self, request, obj):
        self.delete_through_service(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # a refusal part-way deletes none of the selection
            for obj in queryset:
                self.delete_through_service(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_dx_refusal", None)
        return form if refusal is None else _form_with_refusal(form, refusal)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # Nothing was saved; show the same form again, with the service's reason.
            request._dx_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceError as error:
            return self._refused_redirect(request, error)

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except ServiceError as error:
            return self._refused_redirect(request, error)

    def _refused_redirect(self, request, error):
        self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class _NoWrites:
    """Nobody adds, changes or deletes these rows in the admin; services write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    """An admin that only shows rows (records, statistics, an audit trail) that services write."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    """Rows shown read only with their parent, to whoever may see the parent."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return self.admin_site.get_model_admin(self.parent_model).has_view_permission(request, obj)


def attribute_column(name, label):
    """Return a list_display column showing a plain model attribute under a translated heading."""

    def column(*args):  # called as column(obj), or as a method of the admin: column(model_admin, obj)
        return getattr(args[-1], name)

    column.__name__ = f"{name}_column"
    return admin.display(description=label, ordering=name)(column)
