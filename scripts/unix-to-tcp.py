"""Forwards every connection accepted on a Unix socket to a TCP address, byte for byte.

scripts/kafka-tls.sh runs it inside the broker's network namespace: stunnel, in the root
namespace, decrypts and connects to the Unix socket (a path both namespaces see), and this
carries the plaintext on to the broker on that namespace's own loopback.

Usage: unix-to-tcp.py SOCKET_PATH HOST PORT
"""

import asyncio
import os
import sys


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(path: str, host: str, port: int) -> None:
    async def forward(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        except OSError:
            # The broker is not up yet (or gone): the client sees a closed connection and retries.
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, upstream_writer), pump(upstream_reader, client_writer))

    if os.path.exists(path):
        os.unlink(path)
    server = await asyncio.start_unix_server(forward, path=path)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: unix-to-tcp.py SOCKET_PATH HOST PORT")
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
