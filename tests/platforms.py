"""Fake platforms of our own: real HTTP servers on 127.0.0.1 speaking the endpoints we call,
with the status codes and bodies the platforms document, and their rules enforced:
Mastodon's Idempotency-Key (the same key gives back the same status), Bluesky's record keys
(a TID within minutes of now, one record per key, getRecord's RecordNotFound), the Graph
API's error object. Each keeps what it accepted in `posts`, so a test counts what went out.

`fail_next(path, status, body, headers, times)` answers the next requests to a path with an
error (a 429 with Retry-After, a refusal); `hold_after_accepting()` makes the next post wait,
after it is stored and before it is answered, until `release()`: the moment a process can be
killed between the platform accepting a post and our recording it.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import regex

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    def multipart(self) -> dict[str, tuple[bytes, str]]:
        """Each field's bytes and content type."""
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + self.body)
        return {part.get_param("name", header="content-disposition"):
                (part.get_payload(decode=True), part.get_content_type())
                for part in message.iter_parts()}


@dataclass
class Reply:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


class FakePlatform:
    """The server; subclasses answer in `answer(request) -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.posts: list[dict] = []
        self.failures: dict[str, list[Reply]] = {}
        self.accepted = threading.Event()
        self._hold: threading.Event | None = None
        self._lose_answer: Reply | None = None
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    def url(self, path: str = "") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def fail_next(self, path: str, status: int, body: object = None, *,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.setdefault(path, []).extend(
            Reply(status, body, headers or {}) for _ in range(times))

    def hold_after_accepting(self) -> None:
        self.accepted.clear()
        self._hold = threading.Event()

    def lose_next_answer(self, status: int, body: object) -> None:
        """The next post is stored, but answered with this error (a proxy's 502 after the
        platform made it): the client cannot tell it went out."""
        self._lose_answer = Reply(status, body)

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def stored(self, reply: Reply) -> Reply:
        """Called by a subclass right after it stored a post: the moment to hold."""
        hold, self._hold = self._hold, None
        lost, self._lose_answer = self._lose_answer, None
        self.accepted.set()
        if hold is not None:
            hold.wait(60)
        return lost or reply

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def handle(self, request: Request) -> Reply:
        self.requests.append(request)
        queued = self.failures.get(request.path)
        if queued:
            return queued.pop(0)
        return self.answer(request)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _handler_for(server: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, parts.path,
                              {k: v[0] for k, v in parse_qs(parts.query).items()},
                              {k.lower(): v for k, v in self.headers.items()}, body)
            if parts.path.startswith("/images/"):  # a lying server says .html is a JPEG
                reply = Reply(200, b"<html><script>steal()</script></html>"
                              if parts.path.endswith(".html") else JPEG,
                              {"Content-Type": "image/jpeg"})
            else:
                reply = server.handle(request)
            payload = reply.body if isinstance(reply.body, bytes) else \
                json.dumps(reply.body).encode() if reply.body is not None else b""
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers,
                           "Content-Length": str(len(payload))}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client was killed while we held the answer

        do_GET = do_POST = _serve

        def log_message(self, format, *args) -> None:
            pass

    return Handler


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


class FakeMastodon(FakePlatform):
    """POST /api/v2/media, POST /api/v1/statuses (Idempotency-Key kept per account, as
    Mastodon keeps it for an hour), GET verify_credentials and the account's statuses."""

    TOKEN = "mastodon-token"
    LIMIT = 500

    def __init__(self) -> None:
        super().__init__()
        self.media: dict[str, dict] = {}
        self.idempotent: dict[str, dict] = {}
        self.read_scope = True
        """False: a token with only the write scopes."""
        self.processing_polls = 0
        """Answer uploads 202 and the next this-many GETs of the media 206 (processing)."""
        self._pending: dict[str, int] = {}

    def forget_idempotency_keys(self) -> None:
        """An hour later: Mastodon no longer knows the keys."""
        self.idempotent.clear()

    def answer(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
            return Reply(401, {"error": "The access token is invalid"})
        if request.method == "POST" and request.path == "/api/v2/media":
            fields = request.multipart()
            data, mime = fields["file"]
            media_id = str(100 + next(self.ids))
            self.media[media_id] = {"id": media_id, "type": "image",
                                    "url": self.url(f"/media/{media_id}.jpg"),
                                    "description": fields.get("description", (b"", ""))[0]
                                    .decode(), "bytes": len(data), "mime": mime}
            shown = {k: v for k, v in self.media[media_id].items() if k not in ("bytes", "mime")}
            if self.processing_polls:
                self._pending[media_id] = self.processing_polls
                return Reply(202, {**shown, "url": None})
            return Reply(200, shown)
        if request.method == "GET" and request.path.startswith("/api/v1/media/"):
            media_id = request.path.rsplit("/", 1)[1]
            if self._pending.get(media_id):
                self._pending[media_id] -= 1
                return Reply(206, {"id": media_id, "type": "image", "url": None})
            return Reply(200, {k: v for k, v in self.media[media_id].items()
                               if k not in ("bytes", "mime")})
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return self._status(request)
        if request.method == "GET" and not self.read_scope:
            return Reply(403, {"error": "This action is outside the authorized scopes"})
        if request.path == "/api/v1/accounts/verify_credentials":
            return Reply(200, {"id": "1", "username": "clinic", "acct": "clinic"})
        if request.path == "/api/v1/accounts/1/statuses":
            return Reply(200, list(reversed(self.posts))[:int(request.query.get("limit", 20))])
        return Reply(404, {"error": "Record not found"})

    def _status(self, request: Request) -> Reply:
        key = request.headers.get("idempotency-key")
        with self.lock:
            if key and key in self.idempotent:
                return Reply(200, self.idempotent[key])
            params = request.json()
            text = params.get("status", "")
            if not text.strip() and not params.get("media_ids"):
                return Reply(422, {"error": "Validation failed: Text can't be blank"})
            if graphemes(text) > self.LIMIT:
                return Reply(422, {"error": "Validation failed: Text character limit of "
                                            f"{self.LIMIT} exceeded"})
            missing = [m for m in params.get("media_ids", []) if m not in self.media]
            if missing:
                return Reply(422, {"error": "Validation failed: Media attachments are invalid"})
            if any(self._pending.get(m) for m in params.get("media_ids", [])):
                return Reply(422, {"error": "Cannot attach files that have not finished "
                                            "processing. Try again in a moment!"})
            number = str(110000 + next(self.ids))
            escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            status = {"id": number, "uri": self.url(f"/users/clinic/statuses/{number}"),
                      "url": f"https://mastodon.example/@clinic/{number}",
                      "content": f"<p>{escaped}</p>", "text": text,
                      "language": params.get("language"),
                      "media_attachments": [self.media[m] for m in params.get("media_ids", [])]}
            self.posts.append(status)
            if key:
                self.idempotent[key] = status
        return self.stored(Reply(200, status))


class FakeBluesky(FakePlatform):
    """createSession, uploadBlob, createRecord (a chosen rkey must be a TID within ten
    minutes of now, and a second record under one key is an error, as today's PDS answers
    it: 500 InternalServerError) and getRecord."""

    HANDLE, PASSWORD, DID = "clinic.bsky.social", "app-pass-word-1234", "did:plc:clinic"
    JWT = "access-jwt"

    def __init__(self) -> None:
        super().__init__()
        self.blobs: dict[str, dict] = {}
        self.records: dict[str, dict] = {}
        self.clock = time.time
        """The PDS's own clock, in epoch seconds; a test that moves the app's clock sets
        this to the same time, as a real PDS and a host with a right clock agree."""

    def answer(self, request: Request) -> Reply:
        if request.path == "/xrpc/com.atproto.server.createSession":
            params = request.json()
            if (params.get("identifier"), params.get("password")) != (self.HANDLE,
                                                                       self.PASSWORD):
                return Reply(401, {"error": "AuthenticationRequired",
                                   "message": "Invalid identifier or password"})
            return Reply(200, {"did": self.DID, "handle": self.HANDLE, "accessJwt": self.JWT,
                               "refreshJwt": "refresh-jwt", "active": True})
        if request.headers.get("authorization") != f"Bearer {self.JWT}":
            return Reply(401, {"error": "AuthenticationRequired",
                               "message": "Authentication Required"})
        if request.path == "/xrpc/com.atproto.repo.uploadBlob":
            if len(request.body) > 1_000_000:
                return Reply(400, {"error": "BlobTooLarge", "message": "blob too large"})
            ref = f"bafkrei{next(self.ids):04d}"
            blob = {"$type": "blob", "ref": {"$link": ref},
                    "mimeType": request.headers["content-type"], "size": len(request.body)}
            self.blobs[ref] = blob
            return Reply(200, {"blob": blob})
        if request.path == "/xrpc/com.atproto.repo.createRecord":
            return self._create(request.json())
        if request.path == "/xrpc/com.atproto.repo.getRecord":
            key = request.query.get("rkey", "")
            if key not in self.records:
                return Reply(400, {"error": "RecordNotFound", "message": "Could not locate "
                                   f"record: at://{request.query.get('repo')}/"
                                   f"{request.query.get('collection')}/{key}"})
            return Reply(200, {"uri": self._uri(key), "cid": "bafyreicid",
                               "value": self.records[key]})
        return Reply(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def _uri(self, key: str) -> str:
        return f"at://{self.DID}/app.bsky.feed.post/{key}"

    def _create(self, params: dict) -> Reply:
        record, key = params.get("record", {}), params.get("rkey") or self._tid()
        if params.get("repo") != self.DID or params.get("collection") != "app.bsky.feed.post":
            return Reply(400, {"error": "InvalidRequest", "message": "Invalid repo or collection"})
        made = _tid_seconds(key)
        if made is None or abs(self.clock() - made) > 600:
            return Reply(400, {"error": "InvalidRequest",
                               "message": "Custom rkeys for posts must be a TID within 10 "
                                          "minutes of the current time"})
        text = record.get("text", "")
        if graphemes(text) > 300 or len(text.encode()) > 3000:
            return Reply(400, {"error": "InvalidRequest", "message": "Invalid app.bsky.feed."
                               "post record: Record/text must not be longer than 300 "
                               "graphemes"})
        for facet in record.get("facets", []):
            index = facet["index"]
            if not 0 <= index["byteStart"] < index["byteEnd"] <= len(text.encode()):
                return Reply(400, {"error": "InvalidRequest",
                                   "message": "Invalid facet byte range"})
        thumb = record.get("embed", {}).get("external", {}).get("thumb")
        if thumb and thumb["ref"]["$link"] not in self.blobs:
            return Reply(400, {"error": "InvalidRequest", "message": "Could not find blob"})
        with self.lock:
            if key in self.records:
                return Reply(500, {"error": "InternalServerError",
                                   "message": "Internal Server Error"})
            self.records[key] = record
            self.posts.append({"rkey": key, **record})
        return self.stored(Reply(200, {"uri": self._uri(key), "cid": "bafyreicid",
                                       "validationStatus": "valid"}))

    def _tid(self) -> str:
        number = (time.time_ns() // 1000) << 10
        return "".join(TID_ALPHABET[(number >> s) & 31] for s in range(60, -1, -5))


def _tid_seconds(key: str) -> float | None:
    if len(key) != 13 or any(c not in TID_ALPHABET for c in key):
        return None
    number = 0
    for char in key:
        number = (number << 5) | TID_ALPHABET.index(char)
    return (number >> 10) / 1_000_000


class FakeFacebook(FakePlatform):
    """POST /{page-id}/feed and GET /{page-id}/posts of the Graph API, with its error object."""

    PAGE, TOKEN = "1234567890", "page-token"

    def answer(self, request: Request) -> Reply:
        params = request.form() if request.method == "POST" else request.query
        if params.get("access_token") != self.TOKEN:
            return Reply(400, {"error": {"message": "Invalid OAuth access token - Cannot "
                                                    "parse access token",
                                         "type": "OAuthException", "code": 190,
                                         "fbtrace_id": "AbCdEf"}})
        if request.path == f"/{self.PAGE}/feed" and request.method == "POST":
            if not params.get("message") and not params.get("link"):
                return Reply(400, {"error": {"message": "(#100) Missing message or link",
                                             "type": "OAuthException", "code": 100}})
            post_id = f"{self.PAGE}_{900 + next(self.ids)}"
            with self.lock:
                self.posts.append({"id": post_id, "message": params.get("message", ""),
                                   "link": params.get("link", ""),
                                   "permalink_url": f"https://www.facebook.com/{self.PAGE}/"
                                                    f"posts/{post_id.split('_')[1]}"})
            return self.stored(Reply(200, {"id": post_id}))
        if request.path == f"/{self.PAGE}/posts":
            limit = int(params.get("limit", 25))
            return Reply(200, {"data": [{key: post[key] for key in ("id", "message",
                                                                     "permalink_url")}
                                        for post in reversed(self.posts)][:limit]})
        return Reply(400, {"error": {"message": "Unsupported request", "type":
                                     "GraphMethodException", "code": 100}})
