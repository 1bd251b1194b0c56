"""What a schedule or cron runs: send the next issue now, exactly as `newsletter send` does.

    python send.py [--config FILE] [--approve] ...
"""

import sys

from newsletter.cli import main

if __name__ == "__main__":
    sys.exit(main(["send", *sys.argv[1:]]))
