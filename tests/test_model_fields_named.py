"""Every field of the portal's models has a Vietnamese label, so no admin or form shows a raw attribute name."""

from django.apps import apps

APPS = ["kernel", "departments", "regimes", "indicators", "procedures", "reports"]


def unnamed_fields():
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if field.auto_created or not hasattr(field, "verbose_name") or field.name == "id":
                    continue
                if str(field.verbose_name) == field.name.replace("_", " "):
                    yield f"{model._meta.label}.{field.name}"


def test_every_model_field_has_a_verbose_name():
    assert list(unnamed_fields()) == []
