import sys

from her2scope.cli import main

sys.exit(main())
