"""Load the official register of administrative units into the portal's units."""

from django.core.management.base import BaseCommand, CommandError

from departments.register import register_load, register_read
from kernel.errors import ServiceError


class Command(BaseCommand):
    help = "Load the register of administrative units (shipped file by default) for some provinces or all."

    def add_arguments(self, parser):
        parser.add_argument("--province", action="append", dest="provinces", metavar="CODE",
                            help="a post-reform province code, e.g. 37; repeat for several; omit for the country")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
        parser.add_argument("--file", help="a register file built by register_build (default: the shipped one)")

    def handle(self, *args, provinces, dry_run, file, **options):
        try:
            summary = register_load(data=register_read(file), province_codes=provinces, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        for line in summary.as_lines():
            self.stdout.write(str(line))
