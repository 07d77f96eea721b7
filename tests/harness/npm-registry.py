#!/usr/bin/env python3
"""A minimal npm registry on 127.0.0.1 for the tests (tests/harness/npm-registry.sh runs it).

npm-registry.py DIR PORT serves the packages published into DIR/packages/NAME/-/FILE.tgz:
  GET /NAME (scoped names as @scope/name or @scope%2fname)  the packument: every version found,
                                                             dist-tags.latest the highest
  GET /NAME/-/FILE.tgz                                       the tarball
It answers what NocoBase's plugin manager asks (pm:add / pm:update with a registry) and nothing else:
no auth, no publish over HTTP, 404 for the rest. Requests are logged to DIR/requests.log.
"""
import http.server
import json
import os
import re
import sys
import urllib.parse

ROOT = os.path.abspath(sys.argv[1])
PORT = int(sys.argv[2])
PACKAGES = os.path.join(ROOT, "packages")


def version_key(v):
    return [int(x) if x.isdigit() else 0 for x in re.split(r"[.+-]", v)]


class Registry(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write("%s %s\n" % (self.command, self.path))

    def send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def not_found(self):
        self.send(404, b'{"error":"not found"}', "application/json")

    def do_GET(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).rstrip("/")
        m = re.fullmatch(r"/(.+)/-/([^/]+\.tgz)", path)
        if m:
            name, file = m.groups()
            full = os.path.join(PACKAGES, name, "-", file)
            if ".." in path or not os.path.isfile(full):
                return self.not_found()
            with open(full, "rb") as f:
                return self.send(200, f.read(), "application/octet-stream")
        name = path[1:]
        tarballs = os.path.join(PACKAGES, name, "-")
        if not name or ".." in name or not os.path.isdir(tarballs):
            return self.not_found()
        base = name.split("/")[-1]
        versions = {}
        for file in os.listdir(tarballs):
            if file.startswith(base + "-") and file.endswith(".tgz"):
                v = file[len(base) + 1 : -4]
                url = "http://127.0.0.1:%d/%s/-/%s" % (PORT, name, file)
                versions[v] = {"name": name, "version": v, "dist": {"tarball": url}}
        if not versions:
            return self.not_found()
        latest = max(versions, key=version_key)
        doc = {"name": name, "dist-tags": {"latest": latest}, "versions": versions}
        self.send(200, json.dumps(doc).encode(), "application/json")

    do_HEAD = do_GET


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Registry).serve_forever()
