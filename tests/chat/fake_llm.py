"""A stand-in for an OpenAI-compatible model server: a real HTTP server on 127.0.0.1 that records what it got."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    """POST /v1/chat/completions; ``reply(body) -> (status, content)`` decides the answer."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply: Callable[[dict], tuple[int, str]] = self.grounded
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                      "raw": json.dumps(body, ensure_ascii=False)})
                status, content = fake.reply(body)
                payload = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                        "finish_reason": "stop"}]}
                data = json.dumps(payload, ensure_ascii=False).encode() if status == 200 else b'{"error":"boom"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def grounded(body: dict) -> tuple[int, str]:
        """Quotes the first sentence of passage [1] and refers to the masked name."""
        user = body["messages"][1]["content"]
        first = re.search(r"\[1\] [^\n]*\n([^。\n]*。)", user).group(1)
        name = re.search(r"〈氏名\d+〉", user)
        tail = f"{name.group(0)}さんの場合も、{first}[1]" if name else ""
        return 200, f"{first}[1]\n{tail}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
