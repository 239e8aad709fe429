"""kyso's fixture file server: where a signing service fetches the document and uploads the result.

Services of the VGCA style do not take the PDF in the request: they are given a URL to download
it from and an upload handler to POST the signed file to (multipart, field ``uploadfile``). The
fixture server is that web application's side, on 127.0.0.1 at an ephemeral port, running in the
service adapter's event loop:

* ``GET /input/<token>/<name>`` answers the case's input document (``{input_url}``);
* ``POST /upload/<token>`` receives the signed file (``{upload_url}``): multipart (the part named
  ``uploadfile``, else the first file part) or a raw body; more than the cap is refused with 413
  and recorded as a flood.

Each case gets a fresh random token (unguessable by another local process) that is revoked when
the case ends; what was downloaded and uploaded is kept for the case's evidence.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

UPLOAD_FIELD = "uploadfile"
_CHUNK = 64 * 1024


@dataclass
class Upload:
    """One file received at the case's upload URL."""

    name: str
    data: bytes
    content_type: str


@dataclass
class FixtureCase:
    """The URLs of one case and what happened at them."""

    token: str
    input_path: Path
    input_name: str
    input_url: str
    upload_url: str
    downloads: int = 0
    uploads: list[Upload] = field(default_factory=list)
    flooded: bool = False
    problems: list[str] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        """For the evidence file."""
        return {"input_url": self.input_url, "upload_url": self.upload_url,
                "downloads": self.downloads, "flooded": self.flooded,
                "uploads": [{"name": upload.name, "bytes": len(upload.data),
                             "content_type": upload.content_type} for upload in self.uploads],
                "problems": self.problems}


class FixtureServer:
    """The server; start it inside a running event loop (:meth:`start`), stop with :meth:`stop`."""

    def __init__(self, max_upload_bytes: int) -> None:
        self.max_upload_bytes = max_upload_bytes
        self._cases: dict[str, FixtureCase] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/input/{token}/{name}", self._download)
        app.router.add_post("/upload/{token}", self._upload)
        app.router.add_put("/upload/{token}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))  # loopback only, an ephemeral port
        await web.SockSite(self._runner, listener).start()
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def open_case(self, input_path: Path) -> FixtureCase:
        """Register a case: its input becomes downloadable, its upload URL live."""
        token = secrets.token_urlsafe(16)
        name = input_path.name
        case = FixtureCase(token=token, input_path=input_path, input_name=name,
                           input_url=f"{self.base_url}/input/{token}/{quote(name)}",
                           upload_url=f"{self.base_url}/upload/{token}")
        self._cases[token] = case
        return case

    def close_case(self, case: FixtureCase) -> None:
        self._cases.pop(case.token, None)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        case = self._cases.get(request.match_info["token"])
        if case is None:
            raise web.HTTPNotFound(text="no such case (it has ended)")
        case.downloads += 1
        return web.FileResponse(case.input_path, headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f"attachment; filename=\"{case.input_name}\""})

    async def _upload(self, request: web.Request) -> web.Response:
        case = self._cases.get(request.match_info["token"])
        if case is None:
            raise web.HTTPNotFound(text="no such case (it has ended)")
        try:
            if request.content_type.startswith("multipart/"):
                upload = await self._multipart(request)
            else:
                upload = Upload(name="", content_type=request.content_type,
                                data=await self._read(request.content.iter_chunked(_CHUNK)))
        except _TooLarge:
            case.flooded = True
            case.problems.append(f"upload above {self.max_upload_bytes} bytes")
            raise web.HTTPRequestEntityTooLarge(max_size=self.max_upload_bytes,
                                                actual_size=self.max_upload_bytes + 1) from None
        if upload is None:
            case.problems.append("a multipart upload without a file part")
            raise web.HTTPBadRequest(text=f"no file part (expected field '{UPLOAD_FIELD}')")
        case.uploads.append(upload)
        return web.json_response({"status": "ok", "name": upload.name,
                                  "bytes": len(upload.data)})

    async def _multipart(self, request: web.Request) -> Upload | None:
        reader = await request.multipart()
        chosen: Upload | None = None
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await self._read(_chunks(part))
            if part.filename is None and part.name != UPLOAD_FIELD:
                continue
            found = Upload(name=part.filename or "", data=data,
                           content_type=part.headers.get("Content-Type", ""))
            if part.name == UPLOAD_FIELD:
                return found
            chosen = chosen or found
        return chosen

    async def _read(self, chunks: Any) -> bytes:
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            if len(data) > self.max_upload_bytes:
                raise _TooLarge
        return bytes(data)


async def _chunks(part: BodyPartReader) -> Any:
    while chunk := await part.read_chunk(_CHUNK):
        yield chunk


class _TooLarge(Exception):  # noqa: N818 (control flow inside this module)
    pass


__all__ = ["UPLOAD_FIELD", "FixtureCase", "FixtureServer", "Upload"]
