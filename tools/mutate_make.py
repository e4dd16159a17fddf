"""Make one module's mutants without running anything: `mutants/` as `make mutate` leaves it
(the package, the tests and `tools/mutate.py`'s also_copy, with the module mutated), in about a
minute for figures, where `make mutate` runs the whole entry first (over ten minutes for figures
on a loaded machine). Then check them with `tools/mutate_by_hand.py` (docs/mutation.md).

    python tools/mutate_make.py figures          # -> mutants/cpip_dashboard/protection/figures.py
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutate


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in mutate.MODULES:
        print(__doc__)
        return 2
    module = sys.argv[1]
    from mutmut import configuration  # noqa: PLC0415 (before mutmut reads its settings)

    values = mutate.settings(module)
    configuration._config_reader = lambda: (lambda key, default: values.get(key, default))
    configuration._config = None
    from mutmut import __main__ as mutmut_main  # noqa: PLC0415 (after its settings)

    os.chdir(mutate.ROOT)
    target = Path("mutants")
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ["cpip_dashboard", "tests", *values["also_copy"]]:
        source = Path(name)
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy(source, target / name)
    for name in ("pyproject.toml", "conftest.py"):
        if Path(name).exists():
            shutil.copy(name, target / name)
    path = Path(mutate.MODULES[module][0])
    os.utime(target / path, (0, 0))  # older than the source: mutmut mutates it again
    started = time.monotonic()
    result = mutmut_main.create_mutants_for_file(path, target / path)
    if result.error:
        raise result.error
    print(f"{path}: mutants made in {time.monotonic() - started:.0f} s, in {target / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
