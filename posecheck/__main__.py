from __future__ import annotations

import sys

from posecheck.cli import main

sys.exit(main())
