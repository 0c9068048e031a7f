from django.apps import AppConfig


class DxPortalConfig(AppConfig):
    name = "dxportal"
    verbose_name = "DX Portal"
