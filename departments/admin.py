from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from kernel.admin import ServiceSaveAdmin
from kernel.admin_routes import RoutedByFieldAdmin
from kernel.errors import ServiceError

from .models import ApiKey, Membership, Role, Unit, scope_choices
from .policy import Actor, can_manage_catalogues, can_see_technical_sections, units_visible_to
from .register import register_load, register_read
from .services import api_key_revoke, unit_delete, unit_save

admin.site.site_header = _("Cổng giám sát chuyển đổi số")
admin.site.site_title = _("DX Portal")
admin.site.index_title = _("Quản trị")
admin.site.unregister(APIKey)


class CataloguePermissions:
    """Only administrators change catalogues; others may at most view what the policy lets them see."""

    def has_add_permission(self, request, *obj):  # an inline's takes the parent object too
        return can_manage_catalogues(Actor.from_request(request)) and super().has_add_permission(request, *obj)

    def has_change_permission(self, request, obj=None):
        return can_manage_catalogues(Actor.from_request(request)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return can_manage_catalogues(Actor.from_request(request)) and super().has_delete_permission(request, obj)


class RegisterLoadForm(forms.Form):
    province_codes = forms.CharField(
        label=_("mã tỉnh, thành phố"), required=False,
        help_text=_("Mã sau sắp xếp, ví dụ 37; nhiều mã cách nhau bởi dấu phẩy; để trống để nạp cả nước."),
    )
    dry_run = forms.BooleanField(label=_("chạy thử, không ghi"), required=False, initial=True)

    def clean_province_codes(self):
        return [code.strip() for code in self.cleaned_data["province_codes"].replace(" ", ",").split(",")
                if code.strip()]


class RegisterLoadAdminMixin:
    """A page of the unit admin that loads the register of administrative units through its service."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.register_load_view)
        return [path("register-load/", view, name="departments_unit_register_load"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_load_register": can_manage_catalogues(Actor.from_request(request))}
        return super().changelist_view(request, extra_context)

    def register_load_view(self, request):
        actor = Actor.from_request(request)
        if not can_manage_catalogues(actor):
            raise PermissionDenied
        data = register_read()
        form = RegisterLoadForm(request.POST or None)
        summary = None
        if request.method == "POST" and form.is_valid():
            try:
                result = register_load(data=data, province_codes=form.cleaned_data["province_codes"] or None,
                                       dry_run=form.cleaned_data["dry_run"], actor=actor)
            except ServiceError as exc:
                form.add_error("province_codes" if exc.field == "province_codes" else None, str(exc.message))
            else:
                summary = result.as_lines()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "summary": summary, "version": data.get("label"), "title": _("Nạp danh mục đơn vị hành chính")}
        return TemplateResponse(request, "admin/departments/unit/register_load.html", context)


class CatalogueAdmin(CataloguePermissions, admin.ModelAdmin):
    """The admin of a catalogue (units, fields, rules): administrators change it."""


@admin.register(Unit)
class UnitAdmin(RegisterLoadAdminMixin, ServiceSaveAdmin, CatalogueAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["kind", "valid_to"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent", "successor"]
    autocomplete_fields = ["parent", "successor"]
    readonly_fields = ["path"]

    def get_queryset(self, request):
        return units_visible_to(Actor.from_request(request), super().get_queryset(request))

    def save_through_service(self, request, obj, form, change):
        return unit_save(unit=obj, actor=Actor.from_request(request))

    def delete_through_service(self, request, obj):
        unit_delete(unit=obj, actor=Actor.from_request(request))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PortalUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "get_full_name", "email", "role_label", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("vai trò"))
    def role_label(self, obj):
        names = {group.name for group in obj.groups.all()}
        return ", ".join(str(role.label) for role in Role if role.value in names) or "—"


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("quyền"), choices=scope_choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["name", "service_account", "units", "sources", "scopes", "expiry_date", "revoked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = get_user_model().objects.filter(groups__name=Role.EXTERNAL_SYSTEM.value)
        self.fields["service_account"].queryset = accounts


@admin.register(ApiKey)
class ApiKeyAdmin(RoutedByFieldAdmin, APIKeyModelAdmin):
    form = ApiKeyForm
    route_field = "prefix"  # the primary key holds the hash of the secret: never in a URL or a page
    list_display = ["prefix", "name", "service_account", "created", "expiry_date", "_has_expired", "revoked",
                    "last_used_at"]
    list_select_related = ["service_account"]
    list_filter = ["revoked", "created"]
    filter_horizontal = ["units"]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "last_used_at")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # its page lists keys by primary key; keys are revoked in bulk
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        secret = ApiKey.objects.assign_key(obj)
        obj.save()
        messages.warning(
            request,
            _("Khóa API của %(name)s là: %(key)s — hãy lưu lại ngay, khóa sẽ không hiển thị lần nữa.")
            % {"name": obj.name, "key": secret},
        )

    @admin.action(description=_("Thu hồi các khóa đã chọn"))
    def revoke_selected(self, request, queryset):
        for api_key in queryset.filter(revoked=False):
            api_key_revoke(api_key=api_key)
        messages.success(request, _("Đã thu hồi các khóa đã chọn."))


# Login attempts (django-axes) and the schedules of periodic tasks (django-celery-beat): sections for the
# people who run the portal, labelled in Vietnamese by locale_thirdparty and the axes app config.
TECHNICAL_APPS = ["axes", "django_celery_beat"]


class TechnicalSection:
    """Shown to administrators only, whatever permissions a group was given."""

    def _allowed(self, request):
        return can_see_technical_sections(Actor.from_request(request))

    def has_module_permission(self, request):
        return self._allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *obj):
        return self._allowed(request) and super().has_add_permission(request, *obj)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request) and super().has_delete_permission(request, obj)


def technical_sections_restrict(site=admin.site):
    """Re-register the technical apps' admins (registered before ours) behind `TechnicalSection`."""
    for label in TECHNICAL_APPS:
        for model in apps.get_app_config(label).get_models():
            if not site.is_registered(model):
                continue
            model_admin = type(site.get_model_admin(model))
            site.unregister(model)
            site.register(model, type(f"Technical{model_admin.__name__}", (TechnicalSection, model_admin),
                                      {"__module__": __name__}))


technical_sections_restrict()
