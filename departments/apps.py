from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Tổ chức và phân quyền")

    def ready(self):
        from .api import schema  # noqa: F401  (registers the OpenAPI description of API keys)
        from .services import after_migrate

        # Role groups and default schedules are data every installation needs: keep them in step.
        post_migrate.connect(after_migrate, dispatch_uid="departments_after_migrate")
