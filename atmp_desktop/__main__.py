import sys

from atmp_desktop.cli import main

sys.exit(main())
