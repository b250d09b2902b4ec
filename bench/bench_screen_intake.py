"""Benchmark: `manage.py screen_intake DIR` on a folder of 5,000 varied
valid documents, end to end (process start, reading, screening, printing).

    python bench/bench_screen_intake.py [--n 5000]

Uses DATABASE_URL when set (the policy and dose table are read from it);
otherwise a fresh, migrated SQLite file in the temp folder. Target: at least
2,000 documents per second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from documents import make_document  # noqa: E402

TARGET = 2000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret"),
        }
        env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        if env["DATABASE_URL"].startswith("sqlite:///" + tmp):
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(args.n):
            (folder / f"{i:06d}.json").write_text(json.dumps(make_document(i), indent=1))
        for label, extra in (("default workers", []), ("one process", ["--workers", "1"])):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "manage.py", "screen_intake", str(folder), *extra],
                cwd=ROOT,
                env=env,
                capture_output=True,
            )
            seconds = time.perf_counter() - start
            lines = done.stdout.count(b"\n")
            if done.returncode != 0 or lines != args.n:
                print(done.stderr.decode()[-2000:], file=sys.stderr)
                print(f"screen_intake failed: exit {done.returncode}, {lines} results of {args.n}")
                return 1
            rate = args.n / seconds
            verdict = "ok" if rate >= TARGET else f"BELOW the target of {TARGET}"
            print(
                f"screen_intake ({label}): {args.n} documents in {seconds:.2f} s "
                f"= {rate:,.0f} docs/s ({verdict}; load average {os.getloadavg()[0]:.1f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
