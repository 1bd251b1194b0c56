"""What a schedule or cron runs: build the next issue now.

Until sending lands this builds the issue into out/; it will then send it, exactly as
`newsletter send` does.
"""

import sys

from newsletter.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
