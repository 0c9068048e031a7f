"""Extract the compact register file the portal ships from an unpacked `vietnamadminunits` package."""

import gzip
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from departments.register import DATA_DIR, FORMAT, REFORM_DAY

SOURCE = "vietnamadminunits"


class Command(BaseCommand):
    help = (
        "Build departments/register_data/<source>-<version>.json.gz from an unpacked vietnamadminunits "
        "wheel (pip download vietnamadminunits==1.0.4 --no-deps, then unzip it); "
        "the package itself is not a dependency."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="package", required=True,
                            help="the unpacked wheel: the folder holding vietnamadminunits/ and its dist-info")
        parser.add_argument("--out", default=str(DATA_DIR), help="folder to write the data file and licence to")

    def handle(self, *args, package, out, **options):
        root = Path(package)
        data_dir = root / "vietnamadminunits" / "data"
        dist_info = sorted(root.glob(f"{SOURCE}-*.dist-info"))
        if not (data_dir / "dataset.db").exists() or len(dist_info) != 1:
            raise CommandError(f"{root} is not an unpacked {SOURCE} wheel (data/dataset.db and one dist-info)")
        version = dist_info[0].name.removeprefix(f"{SOURCE}-").removesuffix(".dist-info")
        register = build_register(data_dir, version=version)
        out_dir = Path(out)
        target = out_dir / f"{SOURCE}-{version}.json.gz"
        payload = json.dumps(register, ensure_ascii=False, separators=(",", ":")).encode()
        # mtime=0 keeps the gzip bytes reproducible, so rebuilding an unchanged version makes no diff.
        target.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
        licence = next(dist_info[0].glob("**/LICENSE"), None)
        if licence is None:
            raise CommandError("the package's LICENSE was not found; the MIT licence requires shipping it")
        shutil.copyfile(licence, out_dir / f"LICENSE-{SOURCE}.txt")
        self.stdout.write(f"{target}: {target.stat().st_size} bytes, {len(register['communes'])} communes, "
                          f"{len(register['legacy_communes'])} pre-reform communes")


def build_register(data_dir, *, version):
    """Return the register as JSON-ready data: post-reform units, pre-reform units and their successors."""
    db = sqlite3.connect(data_dir / "dataset.db")
    converter = json.loads((data_dir / "converter_2025.json").read_text())
    new_rows = db.execute(
        "select provinceCode, province, provinceKey, wardCode, ward, wardType, wardKey from admin_units "
        "order by provinceCode, wardCode"
    ).fetchall()
    old_rows = db.execute(
        "select provinceCode, province, provinceKey, districtCode, district, districtType, districtKey, "
        "wardCode, ward, wardType, wardKey from admin_units_legacy order by provinceCode, districtCode, wardCode"
    ).fetchall()
    new_code_of = {(row[2], row[6]): row[3] for row in new_rows}
    province_code_of = {row[2]: row[0] for row in new_rows}
    successors = _successors(converter, new_code_of)
    old_province_successor = {old: province_code_of[new] for new, olds in converter["DICT_PROVINCE"].items()
                              for old in olds}
    built = datetime.fromtimestamp((data_dir / "dataset.db").stat().st_mtime, UTC).date()
    return {
        "format": FORMAT,
        "source": SOURCE,
        "version": version,
        "label": f"{SOURCE} {version}",
        "date": built.isoformat(),
        "effective": REFORM_DAY.isoformat(),
        "licence": "MIT, Copyright (c) 2025 Tran Ngoc Minh Hieu; see LICENSE-vietnamadminunits.txt",
        "provinces": sorted({(row[0], row[1]) for row in new_rows}),
        "communes": [[row[3], row[4], row[5], row[0]] for row in new_rows],
        "legacy_provinces": sorted({(row[0], row[1], old_province_successor[row[2]]) for row in old_rows}),
        "legacy_districts": sorted({
            (row[3], row[4], row[5], row[0], tuple(successors.get(f"{row[2]}_{row[6]}_", ())))
            for row in old_rows
        }),
        "legacy_communes": [
            [row[7], row[8], row[9], row[3], row[0], successors[f"{row[2]}_{row[6]}_{row[10]}"]]
            for row in old_rows if row[7] is not None  # island districts without communes have no ward row
        ],
    }


def _successors(converter, new_code_of):
    """Return old "province_district_ward" key -> new commune codes, the main one first."""
    successors = {}
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, old_keys in wards.items():
            for old_key in old_keys:
                successors[old_key] = [new_code_of[(province, ward)]]
    for province, old_keys in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in old_keys.items():
            ordered = sorted(parts, key=lambda part: not part["isDefaultNewWard"])
            successors[old_key] = [new_code_of[(province, part["newWardKey"])] for part in ordered]
    return successors
