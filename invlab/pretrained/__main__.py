"""``python -m invlab.pretrained list | verify | train NAME`` (see :mod:`invlab.pretrained`)."""
import sys

from . import _main

sys.exit(_main())
