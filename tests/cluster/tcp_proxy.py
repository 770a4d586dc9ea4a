"""Plain TCP forwarder for the test cluster (tests/cluster/cluster.sh).

kwokctl starts kube-apiserver on 127.0.0.1 (its components and readiness checks talk to
127.0.0.1); the molecule containers reach the host at the docker bridge gateway. This forwards
LISTEN_ADDR:LISTEN_PORT to TARGET_ADDR:TARGET_PORT byte for byte, so TLS is end to end between
the client and kube-apiserver (the serving certificate carries the bridge address as a SAN).

usage: tcp_proxy.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT
"""

import asyncio
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError):
            pass


async def main(listen_addr, listen_port, target_addr, target_port):
    async def handle(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_addr, target_port)
        except OSError:
            # upstream down: close at once, as close to "connection refused" as a listener gets
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    server = await asyncio.start_server(handle, listen_addr, listen_port, reuse_address=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
