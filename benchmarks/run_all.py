"""Run every benchmark and print its figures (`make bench`; `make bench QUICK=1` passes
`--quick` to the load benchmark)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
quick = "--quick" in sys.argv[1:]
for script, args in (("trend_query.py", []), ("import_100k.py", []), ("revision.py", []),
                     ("worker_start.py", []), ("load.py", ["--quick"] if quick else [])):
    print(f"== {script} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
