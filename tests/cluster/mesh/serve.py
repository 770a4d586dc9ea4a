"""Serve a folder on 127.0.0.1 on a free port (written to a file) and log each request: the mirror
of tests/cluster/mesh/mesh_test.yml. Usage: serve.py DIRECTORY PORT_FILE"""
import functools
import os
import http.server
import sys


def main():
    directory, port_file = sys.argv[1], sys.argv[2]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    with open(port_file + '.tmp', 'w', encoding='utf-8') as f:
        f.write(str(server.server_address[1]))
    # the port file appears only once complete
    os.replace(port_file + '.tmp', port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
