import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@dataclass
class FileServer:
    """A loopback HTTP server standing in for a model host: `files` maps a path to bytes;
    a path in `cut` announces its full length but the connection closes halfway."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    cut: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    server_state = FileServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server_state.requests.append(self.path)
            body = server_state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in server_state.cut:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
# A few real places365 labels among generated ones, with the official line format.
PLACES_NAMES = ["/b/beach", "/f/forest/broadleaf", "/a/apartment_building/outdoor", "/k/kitchen"]


@pytest.fixture(scope="session")
def tiny_clip_files(tmp_path_factory) -> dict[str, Path]:
    """A CLIP of open_clip's architecture, shrunk (2 layers, width 64), random weights, saved
    as a safetensors checkpoint: loaded by the same code as a real ViT-B-32."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    folder = tmp_path_factory.mktemp("clip")
    config = folder / "tiny-clip.json"
    config.write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    model = open_clip.create_model("tiny-clip", pretrained=None)
    checkpoint = folder / "tiny-clip.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, checkpoint)
    torch.manual_seed(1)
    other = folder / "tiny-clip-retrained.safetensors"
    retrained = open_clip.create_model("tiny-clip", pretrained=None)
    save_file({k: v.contiguous() for k, v in retrained.state_dict().items()}, other)
    return {"config": config, "checkpoint": checkpoint, "retrained": other}


@pytest.fixture
def tiny_clip(settings, tiny_clip_files) -> dict[str, Path]:
    settings.CLIP_MODEL = "tiny-clip"
    settings.CLIP_CONFIG = str(tiny_clip_files["config"])
    settings.CLIP_PRETRAINED = str(tiny_clip_files["checkpoint"])
    return tiny_clip_files


@pytest.fixture(scope="session")
def tiny_places_folder(tmp_path_factory) -> Path:
    """The places365 files as download_models leaves them: a torchvision ResNet-18 with 365
    classes and random weights in the authors' checkpoint format, and the two label files."""
    import torch
    import torchvision

    models = tmp_path_factory.mktemp("models")
    folder = models / "places365"
    folder.mkdir()
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=365)
    state = {f"module.{key}": value for key, value in model.state_dict().items()}
    torch.save(
        {"epoch": 1, "arch": "resnet18", "state_dict": state}, folder / "resnet18_places365.pth.tar"
    )
    names = PLACES_NAMES + [f"/s/scene_{i}" for i in range(len(PLACES_NAMES), 365)]
    (folder / "categories_places365.txt").write_text(
        "".join(f"{name} {i}\n" for i, name in enumerate(names))
    )
    (folder / "IO_places365.txt").write_text(
        "".join(f"{name} {1 + i % 2}\n" for i, name in enumerate(names))
    )
    return models


@pytest.fixture
def tiny_places(settings, tiny_places_folder) -> Path:
    settings.MODELS_DIR = tiny_places_folder
    settings.SCENES_THRESHOLD = 0.0
    return tiny_places_folder / "places365"
