#!/usr/bin/env python3
"""A fourth traffic-test backend (stdlib only) for what busybox httpd cannot do: a WebSocket echo like
NocoBase's real-time channel, the proxy headers it received, and large uploads.

  GET /api/__health_check  -> 200 "ok" (NocoBase's readiness answer)
  GET /                    -> 200 "backend-<name>"
  GET /headers             -> 200, one "Name: value" line per X-Forwarded-* / X-Real-IP header received
  POST /upload             -> 200 "got <bytes>" after reading the whole body
  GET /ws + Upgrade        -> 101 (RFC 6455 accept key), then every text/binary frame is echoed back

Usage: traffic-ws-backend.py PORT NAME   (listens on 127.0.0.1)
"""
import base64
import hashlib
import http.server
import socketserver
import struct
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(f, n):
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if self.path.startswith("/api/__health_check"):
            return self.answer(200, "ok")
        if self.path.startswith("/headers"):
            lines = [f"{k}: {v}\n" for k, v in self.headers.items()
                     if k.lower().startswith("x-forwarded-") or k.lower() == "x-real-ip"]
            return self.answer(200, "".join(sorted(lines)))
        return self.answer(200, "backend-" + NAME + "\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < length:
            chunk = self.rfile.read(min(65536, length - got))
            if not chunk:
                break
            got += len(chunk)
        return self.answer(200, f"got {got}")

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        try:
            while True:
                b1, b2 = read_exact(self.rfile, 2)
                opcode, masked, n = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", read_exact(self.rfile, 2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", read_exact(self.rfile, 8))[0]
                mask = read_exact(self.rfile, 4) if masked else b"\0\0\0\0"
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(read_exact(self.rfile, n)))
                if opcode == 8:  # close: answer it and end
                    self.wfile.write(b"\x88\x00")
                    self.wfile.flush()
                    break
                header = bytes([0x80 | opcode])
                header += bytes([n]) if n < 126 else (b"\x7e" + struct.pack(">H", n))
                self.wfile.write(header + payload)
                self.wfile.flush()
        except (EOFError, ConnectionError):
            pass
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    PORT, NAME = int(sys.argv[1]), sys.argv[2]
    Server(("127.0.0.1", PORT), Handler).serve_forever()
