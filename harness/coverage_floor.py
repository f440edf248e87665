"""`make test`: every module of bot/, actions/ and nlu/ is covered at the floor or above.

Reads the combined coverage data that ``pytest --cov`` left (the three processes the
integration tests start included) and fails, naming each module, when one is below the
floor. Modules listed in ``EXCEPTIONS`` (with the reason, repeated in the README) are
reported but do not fail.
"""

from __future__ import annotations

import argparse
import sys

import coverage

FLOOR = 80.0
EXCEPTIONS: dict[str, str] = {}


def below_floor(data_file: str | None = None, floor: float = FLOOR) -> list[tuple[str, float]]:
    cov = coverage.Coverage(data_file=data_file) if data_file else coverage.Coverage()
    cov.load()
    out = []
    for path in sorted(cov.get_data().measured_files()):
        if not path.endswith(".py"):  # Jinja templates run as compiled code show up too
            continue
        _, statements, _, missing, _ = cov.analysis2(path)
        if not statements:
            continue
        percent = 100.0 * (len(statements) - len(missing)) / len(statements)
        if percent < floor:
            out.append((path, round(percent, 1)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=float, default=FLOOR)
    args = parser.parse_args(argv)
    failing = []
    for path, percent in below_floor(floor=args.floor):
        module = next((m for m in EXCEPTIONS if path.endswith(m)), None)
        if module:
            print(f"below {args.floor:.0f} % (exception: {EXCEPTIONS[module]}): {path} {percent} %")
        else:
            failing.append((path, percent))
    for path, percent in failing:
        print(f"below {args.floor:.0f} %: {path} {percent} %")
    if not failing:
        print(f"every measured module is at {args.floor:.0f} % of lines or more")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
