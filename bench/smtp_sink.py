"""An SMTP sink in its own process for the send benchmark: accepts and discards.

    python bench/smtp_sink.py PORT [--pipelining]    # prints "ready" when it listens

With --pipelining it offers PIPELINING (RFC 2920), as the relays of mail providers do;
aiosmtpd reads pipelined commands in order but does not say so by itself.
"""

import sys
import time

from aiosmtpd.controller import Controller


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


class DiscardPipelining(Discard):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


if __name__ == "__main__":
    handler = DiscardPipelining() if "--pipelining" in sys.argv[2:] else Discard()
    controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]),
                            decode_data=False, data_size_limit=None)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
