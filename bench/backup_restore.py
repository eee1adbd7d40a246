"""Benchmark: backup, verify and restore of a large generated database (issue 7). Not part of the tests.

    .venv/bin/python bench/backup_restore.py --cases 10000          # SQLite, var/bench-backup/
    createdb -h 127.0.0.1 -U postgres panah_bench_backup
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/panah_bench_backup .venv/bin/python bench/backup_restore.py

Seeds the demo world with `--cases` cases once (seed_demo, bulk), then times `backup_create`,
`backup_verify`, and `migrate` + `backup_restore` into a new empty database of the same kind (a
SQLite file, or a PostgreSQL database made and dropped here), each as its own `manage.py`
process, as an operator runs them; peak memory is the child's maximum resident set. Results go to
`bench/results/backup_restore-<vendor>.json`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(env, *args):
    """Run one manage.py command; return its wall time, its own peak resident memory (KiB) and its output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=err,
                                 text=True)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"manage.py {args[0]} failed:\n{err.read()[-3000:]}")
        return round(seconds, 2), usage.ru_maxrss, out.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    options = parser.parse_args()
    source = {**os.environ, "PANAH_ENV": "demo"}
    source.setdefault("PANAH_VAR_DIR", str(ROOT / "var" / "bench-backup"))
    vendor = "postgresql" if source.get("DATABASE_URL") else "sqlite"
    run(source, "migrate", "--verbosity", "0")
    run(source, "seed_demo", "--cases", str(options.cases))
    demo_key_file = Path(source["PANAH_VAR_DIR"]) / "demo-backup-key.env"  # NAME=value, config.settings._demo_keys
    key = source.get("PANAH_BACKUP_KEY") or demo_key_file.read_text().strip().partition("=")[2]

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        archive = folder / "bench.panah-backup"
        results = {"vendor": vendor, "cases": options.cases}
        results["create_s"], results["create_peak_kib"], out = run(source, "backup_create", "--output", str(archive))
        print(out.strip())
        results["archive_bytes"] = archive.stat().st_size
        results["verify_s"], results["verify_peak_kib"], _out = run(source, "backup_verify", str(archive))

        target = {k: v for k, v in source.items() if k != "DATABASE_URL"}
        target.update(PANAH_VAR_DIR=str(folder / "target"), PANAH_MEDIA_ROOT=str(folder / "target-media"),
                      PANAH_BACKUP_KEY=key)
        database = None
        if vendor == "postgresql":
            import psycopg

            database = f"panah_bench_restore_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(source["DATABASE_URL"], autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            target["DATABASE_URL"] = source["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database
        try:
            results["migrate_s"], _peak, _out = run(target, "migrate", "--verbosity", "0")
            results["restore_s"], results["restore_peak_kib"], out = run(target, "backup_restore", str(archive))
            print(out.strip())
        finally:
            if database:
                with psycopg.connect(source["DATABASE_URL"], autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    print(json.dumps(results, indent=2))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"backup_restore-{vendor}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
