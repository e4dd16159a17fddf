"""`python -m cpip_dashboard`: see `cpip_dashboard.cli`."""

import sys

from .cli import main

sys.exit(main())
