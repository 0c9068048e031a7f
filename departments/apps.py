from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Tổ chức và phân quyền")

    def ready(self):
        from .api import schema  # noqa: F401  (registers the OpenAPI description of API keys)
        from .services import roles_sync

        # Groups and their permissions are data every installation needs: keep them in step on migrate.
        post_migrate.connect(roles_sync, dispatch_uid="departments_roles_sync")
