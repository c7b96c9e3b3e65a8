"""``python -m companion.agent.cli``: the same as the ``companion`` command."""

import sys

from companion.agent.cli import main

sys.exit(main())
