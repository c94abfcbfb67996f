"""Command line of :mod:`invlab.present`: serve a lecture as an app (Voilà, code hidden).

::

    python -m invlab.present 01                  # build the app version of lecture 01 and serve it
    python -m invlab.present 01 --no-browser --port 8870
    python -m invlab.present 01 --no-preheat     # run the lecture only when the page opens (the default
                                                 # runs it as the server starts: interactive on opening)
    python -m invlab.present --build [--out DIR] # only write the app versions of every lecture
    python -m invlab.present --install-template  # make  work in a Jupyter server
    python -m invlab.present 01 -- --debug       # anything after -- goes to voila
"""
from __future__ import annotations

import argparse
import subprocess
import sys

from . import DEFAULT_BUILD_DIR, DEFAULT_PORT, build_all, build_app, install_template, voila_command, voila_env


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m invlab.present",
                                description="Serve a lecture notebook as an app with the code hidden (Voilà).")
    p.add_argument("lecture", nargs="?", help="lecture number (01), notebook stem or path")
    p.add_argument("--build", action="store_true", help="only write the app versions of every lecture, serve nothing")
    p.add_argument("--install-template", action="store_true",
                   help="copy the app template into this Python's share/jupyter (for Voilà inside JupyterLab/JupyterHub)")
    p.add_argument("--out", default=str(DEFAULT_BUILD_DIR), help="folder of the app versions (default: %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: %(default)s; 0.0.0.0 for a room)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--preheat", dest="preheat", action="store_true", default=True,
                   help="(the default) run the lecture in a kernel as soon as the server starts, so the page is "
                        "interactive as soon as it opens; Voilà then prepares the next one for a reload")
    p.add_argument("--no-preheat", dest="preheat", action="store_false",
                   help="start the kernel and run the lecture only when the page opens (slower to show)")
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1:]
    args = _parser().parse_args(argv)
    try:
        if args.install_template:
            print(install_template())
            if not args.build:
                return 0
        if args.build:
            for path in build_all(args.out):
                print(path)
            return 0
        if not args.lecture:
            _parser().error("give a lecture (e.g. 01), or --build")
        path = build_app(args.lecture, args.out)
    except FileNotFoundError as e:
        print(f"invlab.present: {e}", file=sys.stderr)
        return 2
    cmd = voila_command(path, port=args.port, ip=args.ip, open_browser=not args.no_browser,
                        preheat=args.preheat, extra=extra)
    print(f"invlab.present: serving {path.name} at http://{args.ip}:{args.port}/ (Ctrl-C stops)", flush=True)
    try:
        return subprocess.call(cmd, env=voila_env(), cwd=str(path.parent))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
