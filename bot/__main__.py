"""``python -m bot`` is the same as ``newsbot``."""

import sys

from bot.cli import main

sys.exit(main())
