"""A TCP proxy that puts a relay at a distance: every byte is held for half the round
trip in each direction, and each new connection waits one round trip (the TCP handshake a
real network would cost) before the server sees it.

    python bench/delay_proxy.py LISTEN_PORT TARGET_PORT [--rtt-ms 25]   # prints "ready"

Latency only, not a bandwidth limit: what arrives is queued with its due time and written
when due, so several chunks are under way at once, as on a real link.
"""

from __future__ import annotations

import argparse
import asyncio


async def carry(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    """Everything from `reader` to `writer`, each chunk `delay` seconds late; the end of
    the stream is passed on just as late."""
    loop = asyncio.get_running_loop()
    due: asyncio.Queue = asyncio.Queue()

    async def take() -> None:
        try:
            while data := await reader.read(65536):
                due.put_nowait((loop.time() + delay, data))
        except OSError:
            pass
        due.put_nowait((loop.time() + delay, b""))

    async def give() -> None:
        while True:
            at, data = await due.get()
            if (wait := at - loop.time()) > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            try:
                writer.write(data)
                await writer.drain()
            except OSError:
                break
        writer.close()

    await asyncio.gather(take(), give())


def serve(target_port: int, rtt: float):
    async def connection(client_reader, client_writer):
        await asyncio.sleep(rtt)  # the handshake
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1",
                                                                         target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(carry(client_reader, server_writer, rtt / 2),
                             carry(server_reader, client_writer, rtt / 2))

    return connection


async def main(listen_port: int, target_port: int, rtt: float) -> None:
    server = await asyncio.start_server(serve(target_port, rtt), "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--rtt-ms", type=float, default=25.0)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.listen_port, args.target_port, args.rtt_ms / 1000))
    except KeyboardInterrupt:
        pass
