#!/usr/bin/env python3
"""Checks that the route x role matrix notices a missing authorization check.

For every `authorize(...)?;` statement in the REST handlers (server/src/api/) and the
server functions (app/src/serverfns/), removes that one statement, runs the access
matrix tests, and expects them to fail. Prints each mutant's fate; exits 1 if any
removal went unnoticed. Slow (one incremental build per call site), so it is not part
of `cargo xtask test`:

    DATABASE_URL=$(cargo xtask db-url) python3 xtask/scripts/authz_mutations.py
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = sorted(
    list((ROOT / "server/src/api").glob("*.rs"))
    + list((ROOT / "app/src/serverfns").rglob("*.rs"))
)
CALL = re.compile(r"\bauthorize\(")


def statements(text):
    """(start, end) of every `authorize(...)?;` statement."""
    for match in CALL.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text[line_start:match.start()].strip():
            continue  # part of an expression or a `use`, not a statement
        depth, i = 0, match.end() - 1
        while True:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        if text.startswith("?;", i):
            yield line_start, i + 2


def main():
    survivors, killed = [], 0
    for path in FILES:
        original = path.read_text()
        for start, end in list(statements(original)):
            line = original.count("\n", 0, start) + 1
            label = f"{path.relative_to(ROOT)}:{line}"
            path.write_text(original[:start] + "// authorize removed by the mutation check" + original[end:])
            try:
                result = subprocess.run(
                    ["cargo", "test", "-q", "-p", "parkway-server", "--test", "access_matrix"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
            finally:
                path.write_text(original)
            if result.returncode == 0:
                survivors.append(label)
                print(f"SURVIVED  {label}", flush=True)
            else:
                killed += 1
                print(f"caught    {label}", flush=True)
    print(f"{killed} removals caught, {len(survivors)} unnoticed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
