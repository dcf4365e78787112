"""``python -m softswitch.frontend FILE [-I DIR] [-D NAME[=VALUE]]``: check a P4 program.

Prints ``ok`` or the diagnostics; exits with status 1 when the program has errors.
"""

from __future__ import annotations

import argparse
import sys

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.diagnostics import CompileError, format_diagnostics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m softswitch.frontend", description=__doc__)
    parser.add_argument("file")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[])
    parser.add_argument("-D", dest="defines", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        compile_file(args.file, args.include_dirs, args.defines)
    except CompileError as exc:
        print(format_diagnostics(exc.diagnostics), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
