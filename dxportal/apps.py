from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DxPortalConfig(AppConfig):
    default = True  # the one for "dxportal" itself, beside the third-party configs below
    name = "dxportal"
    verbose_name = "DX Portal"


class AxesConfig(AxesAppConfig):
    """django-axes under a name people read: it has no translatable one of its own ("Axes")."""

    verbose_name = _("Đăng nhập và khóa tài khoản")
