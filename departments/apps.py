from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def person_name(user):
    """Return a person as lists, histories and choices show them: the full name, or the login if none."""
    return user.get_full_name() or user.get_username()


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Tổ chức và phân quyền")

    def ready(self):
        from .api import schema  # noqa: F401  (registers the OpenAPI description of API keys)
        from .services import after_migrate

        # Role groups and default schedules are data every installation needs: keep them in step.
        post_migrate.connect(after_migrate, dispatch_uid="departments_after_migrate")
        # Every admin list, read-only field, filter and choice of a user shows str(user): by name, not login.
        get_user_model().__str__ = person_name
        # The admin greets by the short name, which is one part of a Vietnamese name: greet by the whole name.
        get_user_model().get_short_name = person_name
