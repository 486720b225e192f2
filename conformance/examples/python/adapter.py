#!/usr/bin/env python3
"""Example mailspec adapter: speaks version 1 of docs/adapter-protocol.md on stdin and stdout.

It reads one JSON request per line and writes one JSON response per line, each
carrying the request's `id`. It implements the tenancy, devices and calendar
capabilities with symbolic keys, and the crypto capability for two constructions
when the `cryptography` package is installed. It sends an `error` response to every
other request.
Logs go to standard error. Set MAILSPEC_ADAPTER_LOG=debug to log every request.
"""

import json
import logging
import os
import sys

# Import the sibling modules from this directory without leaving __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import crypto  # noqa: E402
from service import HANDLERS, UNSUPPORTED_OPERATIONS, Service  # noqa: E402
from world import BadRequest, Rejected, Unsupported, parse_world, require, show  # noqa: E402

PROTOCOL_VERSION = 1
IMPLEMENTATION = "mailspec-python-example"
CAPABILITIES = ["tenancy", "devices", "calendar"]
if crypto.AVAILABLE:
    CAPABILITIES.append("crypto")

# A request whose `id` cannot be read (not JSON, not an object, no whole-number id)
# still gets an error response. The protocol does not say which id that response carries.
UNKNOWN_ID = 0

log = logging.getLogger("mailspec-adapter")


def error(request_id, code, message):
    return {"type": "error", "id": request_id, "code": code, "message": message}


class Session:
    """The state of one adapter process: the service of the last `reset`, if any."""

    def __init__(self):
        self.service = None

    def handle(self, request):
        """Return the response to one decoded request. Raises BadRequest or Unsupported."""
        kind = require(request, "type", "request")
        request_id = request["id"]

        if kind == "hello":
            protocol = require(request, "protocol", "hello request")
            if protocol != PROTOCOL_VERSION:
                # The runner decides what a version mismatch means. This adapter names
                # the one version it speaks.
                log.warning("runner asked for protocol %s, this adapter speaks %d", show(protocol), PROTOCOL_VERSION)
            return {
                "type": "hello",
                "id": request_id,
                "protocol": PROTOCOL_VERSION,
                "implementation": IMPLEMENTATION,
                "capabilities": CAPABILITIES,
            }

        if kind == "reset":
            self.service = Service(parse_world(require(request, "world", "reset request")))
            return {"type": "ready", "id": request_id}

        if kind == "apply":
            return {"type": "observation", "id": request_id, "observation": self.apply(request)}

        if kind in ("stored", "links"):
            raise Unsupported(f"{kind} is a probe request, and this adapter does not claim the probes capability")

        if kind == "crypto":
            if not crypto.AVAILABLE:
                raise Unsupported("the crypto capability needs the cryptography package: python3 -m pip install cryptography")
            construction = require(request, "construction", "crypto request")
            verdict = crypto.check_case(construction, require(request, "case", "crypto request"))
            return {"type": "crypto", "id": request_id, "verdict": verdict}

        raise BadRequest(f"unknown request type {show(kind)}")

    def apply(self, request):
        operation = require(request, "operation", "apply request")
        name = require(operation, "op", "operation")
        if self.service is None:
            raise BadRequest("apply before reset: send a reset request with the world first")
        if not isinstance(name, str):
            raise BadRequest(f"op must be a string, got {show(name)}")
        if name in UNSUPPORTED_OPERATIONS:
            capability = UNSUPPORTED_OPERATIONS[name]
            raise Unsupported(f"operation {name} needs the {capability} capability, which this adapter does not claim")
        handler = HANDLERS.get(name)
        if handler is None:
            raise BadRequest(f"unknown operation {show(name)}")
        try:
            return {"ok": handler(self.service, operation)}
        except Rejected as rejection:
            return {"rejected": rejection.code}


def respond(session, raw):
    """Decode one line of bytes, handle it and return the response, catching every Exception."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as failure:
        return error(UNKNOWN_ID, "bad_request", f"request is not valid UTF-8: {failure}")
    try:
        request = json.loads(line)
    except (ValueError, RecursionError) as failure:
        # RecursionError comes from nesting deeper than the Python stack allows.
        return error(UNKNOWN_ID, "bad_request", f"invalid JSON request: {failure}")

    request_id = request.get("id") if isinstance(request, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 0:
        return error(UNKNOWN_ID, "bad_request", f"request without a whole-number id: {show(request)}")

    try:
        return session.handle(request)
    except BadRequest as failure:
        return error(request_id, "bad_request", str(failure))
    except Unsupported as failure:
        return error(request_id, "unsupported", str(failure))
    except Exception as failure:  # noqa: BLE001 - one bad request must not end the session
        log.exception("request %d failed", request_id)
        return error(request_id, "internal", f"{type(failure).__name__}: {failure}")


def main():
    level = os.environ.get("MAILSPEC_ADAPTER_LOG", "warning").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING), format="%(name)s: %(levelname)s: %(message)s")
    log.debug("started, capabilities %s", ", ".join(CAPABILITIES))

    session = Session()
    stdin = sys.stdin.buffer
    stdout = sys.stdout
    while True:
        raw = stdin.readline()
        if not raw:
            break
        if not raw.strip():
            continue
        log.debug("request: %s", raw.decode("utf-8", "replace").rstrip())
        response = respond(session, raw)
        if response["type"] == "error":
            log.warning("request %s: %s error: %s", response["id"], response["code"], response["message"])
        stdout.write(json.dumps(response, separators=(",", ":")) + "\n")
        stdout.flush()
    log.debug("standard input closed, stopping")


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
