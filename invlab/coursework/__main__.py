"""Command line of :mod:`invlab.coursework`.

::

    python -m invlab.coursework student lectures/ build/student     # student versions
    python -m invlab.coursework grade submissions/ --out grades.csv   # batch grading
    python -m invlab.coursework list [lectures/]                      # the exercises per lecture
"""
from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m invlab.coursework",
                                description="Student versions of the lecture notebooks and batch grading.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("student", help="write the student version of every lecture notebook")
    s.add_argument("source", help="folder of solution notebooks (lectures/) or one notebook")
    s.add_argument("out", help="output folder (e.g. build/student)")
    g = sub.add_parser("grade", help="grade SUBMISSIONS/<student>/<lecture>.ipynb, one sandboxed process each")
    g.add_argument("submissions", help="folder with one sub-folder per student")
    g.add_argument("--out", default=None, help="write the table as CSV there")
    g.add_argument("--lectures", default=None, help="folder of the solution notebooks (default: the repository's)")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds to run one notebook (default 120)")
    g.add_argument("--call-timeout", type=float, default=10.0, help="seconds to grade one exercise (default 10)")
    g.add_argument("--memory-mb", type=int, default=4096, help="address-space limit per notebook (default 4096)")
    g.add_argument("--workers", type=int, default=None, help="notebooks at a time (default: the CPUs)")
    g.add_argument("--user", default=None, help="run the notebooks as this user (grader must be root), e.g. nobody")
    g.add_argument("--quiet", action="store_true", help="no progress lines")
    ls = sub.add_parser("list", help="the exercises of each lecture")
    ls.add_argument("lectures", nargs="?", default=None, help="folder of the solution notebooks")
    return p


def main(argv=None) -> int:
    """Run the command line; return the exit status (0: done, 2: bad arguments or input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "student":
            from .student import write_student_versions
            for path in write_student_versions(args.source, args.out):
                print(path)
            return 0
        if args.command == "list":
            from .grader import default_lectures_dir
            from .student import lecture_exercises
            folder = args.lectures or default_lectures_dir()
            if folder is None:
                raise FileNotFoundError("no lectures folder next to the package: give one.")
            for lecture, names in lecture_exercises(folder).items():
                print(f"{lecture}: {', '.join(names) if names else '(no exercises)'}")
            return 0
        from .grader import format_table, grade
        rows = grade(args.submissions, out=args.out, lectures=args.lectures, timeout=args.timeout,
                     call_timeout=args.call_timeout, memory_mb=args.memory_mb, workers=args.workers, user=args.user,
                     progress=not args.quiet)
        print(format_table(rows))
        if args.out:
            print(f"written: {args.out}")
        return 0
    except (FileNotFoundError, ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
