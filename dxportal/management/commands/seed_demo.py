from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from departments import demo as departments_demo
from indicators import demo as indicators_demo
from procedures import demo as procedures_demo


class Command(BaseCommand):
    help = ("Load the demo province (Ninh Bình from the official register, Nam Định's departments and dossiers of "
            "2023); safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default=departments_demo.DEMO_PASSWORD,
                            help="Password of the demo people (default: %(default)s).")
        parser.add_argument("--force", action="store_true", help="Allow running with production settings.")
        parser.add_argument("--dossiers", type=int, default=183_600,
                            help="Demo dossiers to push (default: %(default)s, the article's figure to August 2023).")

    def handle(self, *args, password, force, dossiers, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("Refusing to load demo data with DJANGO_ENV=production; add --force if you mean it.")
        with transaction.atomic():
            units = departments_demo.seed_organisation()
            users = departments_demo.seed_accounts(units, password=password)
            api_key, secret = departments_demo.seed_demo_api_key(users["demo-system"], units)
            indicators = indicators_demo.seed_indicators(units, users)
            procedures = procedures_demo.seed_procedures(units, users, dossiers=dossiers)
        summary = (f"{len(units)} units, {len(users)} accounts, {len(indicators)} indicators, "
                   f"{procedures.procedures} procedures, {procedures.dossiers} dossiers of Nam Định and "
                   f"{procedures.neighbour_dossiers} of Hà Nam and the old Ninh Bình")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        if secret:
            self.stdout.write(f"demo-system API key (shown once, also in var/demo-api-key): {secret}")
        else:
            self.stdout.write(f"demo-system API key unchanged ({api_key.prefix}…), see var/demo-api-key")
