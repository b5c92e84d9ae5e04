import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import PhotoFactory, UserFactory

pytest_plugins = ["tests.geocoders"]

SHARED_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"
WORKER_START_SECONDS = 60


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("once") and not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        pytest.skip("runs once, in the PostgreSQL run (marker `once`)")


@pytest.fixture(scope="session")
def manifest() -> dict:
    """The corpus facts, keyed by path relative to the photos folder."""
    data = json.loads((SHARED_PHOTOS / "manifest.json").read_text())
    return {entry["path"]: entry for entry in data["files"]}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A private copy of ../shared/photos (without its manifest), safe to change."""
    dest = tmp_path / "library"
    shutil.copytree(
        SHARED_PHOTOS, dest, ignore=shutil.ignore_patterns("manifest.json", "MANIFEST.md")
    )
    return dest


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _worker_database_url() -> str:
    """The test database as a URL, so a worker process opens the same one as the test."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_connection(broker_url: str):
    """A connection to `broker_url`; the embedded broker's folders are the settings' ones."""
    from django.conf import settings

    from ownphotos.celery import app

    options = {}
    if broker_url.startswith("filesystem://"):
        (settings.BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(settings.BROKER_DIR),
            "data_folder_out": str(settings.BROKER_DIR),
            "control_folder": str(settings.BROKER_DIR / "control"),
        }
    return app.connection_for_write(broker_url, transport_options=options)


def _broker_purge(broker_url: str) -> None:
    """Drop tasks an earlier, interrupted run left in the test broker."""
    from django.conf import settings

    with broker_connection(broker_url) as conn:
        channel = conn.default_channel
        for queue in settings.PIPELINE_QUEUES:
            channel.queue_declare(queue=queue, durable=True, auto_delete=False)
            channel.queue_purge(queue)


@contextlib.contextmanager
def worker_running(broker_url: str, log_path: Path, env: dict[str, str] | None = None):
    """A real `celery worker` process on every pipeline queue, on the test database and
    `broker_url` (plus `env`, e.g. OWNPHOTOS_* settings); yields the process once the worker
    says it is ready, stops it after."""
    from django.conf import settings

    _broker_purge(broker_url)
    env = {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": _worker_database_url(),
        "CELERY_BROKER_URL": broker_url,
    }
    command = [sys.executable, "-m", "celery", "-A", "ownphotos", "worker", "--pool=solo"]
    command += ["-Q", ",".join(settings.PIPELINE_QUEUES), "--loglevel=INFO"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def worker_process(transactional_db, tmp_path: Path):
    """A real Celery worker consuming every queue of the test broker (CELERY_BROKER_URL).

    Tasks it runs see the test database, so tests using it need transactional DB access;
    its log is in tmp_path/worker.log.
    """
    from django.conf import settings

    with worker_running(settings.CELERY_BROKER_URL, tmp_path / "worker.log") as process:
        yield process


TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
# A few real places365 labels among generated ones, with the official line format.
PLACES_NAMES = [
    "/b/beach",
    "/f/forest/broadleaf",
    "/a/apartment_building/outdoor",
    "/k/kitchen",
    "/o/ocean",
]
# A few real SUN attribute lines (stray spaces included) among generated ones. "ocean" is
# also a category; its row of the tiny W is positive, so every image responds to it.
SUN_ATTRIBUTES = ["sailing/ boating", "natural light", "open area", "direct sun/sunny", "ocean"]


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
def tiny_openai_clip_files(tmp_path_factory) -> dict[str, object]:
    """A CLIP in OpenAI's checkpoint format (a TorchScript archive holding the weights under
    OpenAI's names, as ViT-B-32.pt is), shrunk and random; with the model it was saved from."""
    import open_clip
    import torch
    from open_clip.model import CLIPTextCfg, CLIPVisionCfg

    class Node(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    torch.manual_seed(2)
    # OpenAI's widths are multiples of 64 and the loader takes one head per 64.
    model = open_clip.CLIP(
        embed_dim=32,
        vision_cfg=CLIPVisionCfg(layers=2, width=64, patch_size=16, image_size=64),
        text_cfg=CLIPTextCfg(context_length=77, vocab_size=49408, width=64, heads=1, layers=2),
        quick_gelu=True,
    ).eval()
    root = Node()
    for key, value in model.state_dict().items():
        *path, leaf = key.split(".")
        node = root
        for part in path:
            if not hasattr(node, part):
                node.add_module(part, Node())
            node = getattr(node, part)
        node.register_buffer(leaf, value.clone())
    models = tmp_path_factory.mktemp("models")
    (models / "clip").mkdir()
    checkpoint = models / "clip" / "ViT-B-32.pt"
    torch.jit.script(root).save(str(checkpoint))
    return {"models": models, "checkpoint": checkpoint, "model": model}


@pytest.fixture(scope="session")
def tiny_places_folder(tmp_path_factory) -> Path:
    """The places365 files as download_models leaves them: the authors' WideResNet-18 with
    365 classes and random weights in their checkpoint format, the label files and a random
    102x512 attribute matrix (scaled so that responses are of order 1, of either sign)."""
    import numpy as np
    import torch

    from api.ml.scenes import ATTRIBUTE_WEIGHTS, ATTRIBUTES, CHECKPOINT, FEATURES, wideresnet18

    models = tmp_path_factory.mktemp("models")
    folder = models / "places365"
    folder.mkdir()
    torch.manual_seed(0)
    # Saved by PyTorch 0.x behind DataParallel: "module." keys, no BatchNorm num_batches_tracked.
    state = {
        f"module.{key}": value
        for key, value in wideresnet18().state_dict().items()
        if not key.endswith("num_batches_tracked")
    }
    torch.save({"epoch": 1, "arch": "wideresnet18", "state_dict": state}, folder / CHECKPOINT)
    names = PLACES_NAMES + [f"/s/scene_{i}" for i in range(len(PLACES_NAMES), 365)]
    (folder / "categories_places365.txt").write_text(
        "".join(f"{name} {i}\n" for i, name in enumerate(names))
    )
    (folder / "IO_places365.txt").write_text(
        "".join(f"{name} {1 + i % 2}\n" for i, name in enumerate(names))
    )
    attributes = SUN_ATTRIBUTES + [f"attribute {i}" for i in range(len(SUN_ATTRIBUTES), ATTRIBUTES)]
    (folder / "labels_sunattribute.txt").write_text("".join(f"{name}\n" for name in attributes))
    weights = np.random.default_rng(0).normal(scale=0.05, size=(ATTRIBUTES, FEATURES))
    ocean = SUN_ATTRIBUTES.index("ocean")
    weights[ocean] = np.abs(weights[ocean]) / 10
    np.save(folder / ATTRIBUTE_WEIGHTS, weights.astype(np.float32))
    return models


@pytest.fixture
def tiny_places(settings, tiny_places_folder) -> Path:
    settings.MODELS_DIR = tiny_places_folder
    settings.SCENES_THRESHOLD = 0.0
    return tiny_places_folder / "places365"


@pytest.fixture
def manifest_photos(user, manifest) -> dict:
    """One Photo row per corpus file with the manifest's GPS facts, keyed by path.

    For tests of a later step that need no scan. Files with the same bytes share one Photo,
    as they do after a scan.
    """
    photos, by_hash = {}, {}
    for path, entry in manifest.items():
        gps = (entry.get("exif") or {}).get("gps") or {}
        if entry["sha256"] in by_hash:
            photos[path] = by_hash[entry["sha256"]]
            continue
        photos[path] = by_hash[entry["sha256"]] = PhotoFactory(
            owner=user,
            content_hash=entry["sha256"],
            mime=entry.get("mime") or "",
            gps_lat=gps.get("lat"),
            gps_lon=gps.get("lon"),
            gps_alt=gps.get("alt_m"),
        )
    return photos


@pytest.fixture(scope="session")
def faces_folder(tmp_path_factory) -> Path:
    """A private copy of ../shared/photos/faces, made once per test session."""
    dest = tmp_path_factory.mktemp("faces") / "faces"
    shutil.copytree(SHARED_PHOTOS / "faces", dest)
    return dest


@pytest.fixture(scope="session")
def face_detections(faces_folder, manifest) -> dict:
    """What the detector finds in each face photo, keyed by manifest path.

    Detection takes most of a second a photo, so it runs once per session; tests store these
    results through the same service the pipeline uses.
    """
    from api.ml import faces

    found = {}
    for path in manifest:
        if path.startswith("faces/"):
            image, size = faces.load_display_image(faces_folder.parent / path)
            found[path] = faces.detect_faces(image, display_size=size)
    return found
