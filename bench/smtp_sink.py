"""An SMTP sink in its own process for the send benchmark: accepts and discards.

    python bench/smtp_sink.py PORT     # prints "ready" when it listens
"""

import sys
import time

from aiosmtpd.controller import Controller


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


if __name__ == "__main__":
    controller = Controller(Discard(), hostname="127.0.0.1", port=int(sys.argv[1]),
                            decode_data=False, data_size_limit=None)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
