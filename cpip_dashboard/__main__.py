"""`python -m cpip_dashboard`: see `cpip_dashboard.cli`."""

import sys

from cpip_dashboard.cli import main

sys.exit(main())
