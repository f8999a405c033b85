"""Times the first request of new TLS connections, the way a client with Nagle's algorithm on sees it.

Python's ssl module never sets TCP_NODELAY, like many embedded and scripting clients. Each of N
connections: TCP connect, TLS handshake (SNI, the test CA verified), then one small request; the gap
is from writing the request to reading the first byte of the response. One gap per line, in ms.

usage: first_request_gap.py HOST PORT SNI CAFILE N
"""
import socket
import ssl
import sys
import time


def main():
    host, port, sni, cafile, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    request = ("GET /first HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % sni).encode("ascii")
    for _ in range(n):
        raw = socket.create_connection((host, port), timeout=10)
        if raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
            sys.exit("TCP_NODELAY is on: this client must leave Nagle's algorithm on")
        with ctx.wrap_socket(raw, server_hostname=sni) as tls:
            t0 = time.perf_counter()
            tls.sendall(request)
            first = tls.recv(1)
            gap = (time.perf_counter() - t0) * 1000.0
            rest = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                rest += chunk
            answer = first + rest
            if not answer.startswith(b"HTTP/1.1 200"):
                sys.exit("unexpected answer: %r" % answer[:80])
        print("%.3f" % gap, flush=True)


if __name__ == "__main__":
    main()
