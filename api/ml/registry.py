"""The models OwnPhotos can use: where their weights come from, their file names, their
sha256 and the version every result records.

A plain mapping name -> ModelSpec; `manage.py download_models NAME` fetches a spec's files
into settings.MODELS_DIR/NAME/. A digest of None means that nobody could compute it yet
(these machines reach no model host): the download then records the digest it computed next
to the file (trust on first use) and every later check compares against that record.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class ModelFile:
    url: str
    filename: str
    sha256: str | None


@dataclass(frozen=True)
class ModelSpec:
    name: str
    version: str
    files: tuple[ModelFile, ...]
    description: str = ""

    @property
    def folder(self) -> Path:
        return Path(settings.MODELS_DIR) / self.name

    def path(self, filename: str) -> Path:
        return self.folder / filename

    def installed(self) -> bool:
        """Every required file is in place (complete: files only appear by rename)."""
        return all(self.path(item.filename).is_file() for item in self.files)

    def url(self, item: ModelFile) -> str:
        """The file's official URL, or its name under settings.MODELS_BASE_URL (a mirror)."""
        base = settings.MODELS_BASE_URL
        return f"{base.rstrip('/')}/{self.name}/{item.filename}" if base else item.url

    def missing_message(self) -> str:
        return f"skipped: model not installed (manage.py download_models {self.name})"


# No published digest was found for these files and they cannot be fetched here: someone with
# internet access must run `download_models` and pin the recorded digests (NAME/*.sha256).
SHA256_UNKNOWN = None

_PLACES = "http://places2.csail.mit.edu/models_places365"
_PLACES_REPO = "https://raw.githubusercontent.com/csailvision/places365/master"
# OpenAI publishes the sha256 of each CLIP checkpoint as a folder of its download URL.
_CLIP_SHA256 = "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af"
_CLIP_URL = f"https://openaipublic.azureedge.net/clip/models/{_CLIP_SHA256}/ViT-B-32.pt"

REGISTRY: dict[str, ModelSpec] = {
    "places365": ModelSpec(
        name="places365",
        version="wideresnet18-places365-1",
        description=(
            "Scene categories, indoor/outdoor and SUN scene attributes "
            "(WideResNet-18 trained on Places365, CSAIL)"
        ),
        files=(
            ModelFile(
                f"{_PLACES}/wideresnet18_places365.pth.tar",
                "wideresnet18_places365.pth.tar",
                SHA256_UNKNOWN,
            ),
            ModelFile(
                f"{_PLACES}/W_sceneattribute_wideresnet18.npy",
                "W_sceneattribute_wideresnet18.npy",
                SHA256_UNKNOWN,
            ),
            ModelFile(
                f"{_PLACES_REPO}/categories_places365.txt",
                "categories_places365.txt",
                SHA256_UNKNOWN,
            ),
            ModelFile(f"{_PLACES_REPO}/IO_places365.txt", "IO_places365.txt", SHA256_UNKNOWN),
            ModelFile(
                f"{_PLACES_REPO}/labels_sunattribute.txt",
                "labels_sunattribute.txt",
                SHA256_UNKNOWN,
            ),
        ),
    ),
    "clip": ModelSpec(
        name="clip",
        version="ViT-B-32/openai",
        description="CLIP ViT-B-32 (OpenAI) image and text embeddings, loaded with open_clip",
        files=(ModelFile(_CLIP_URL, "ViT-B-32.pt", _CLIP_SHA256),),
    ),
}

# Models that ship in a Python package (nothing to download): name -> version, recorded on
# their results so a new version re-runs only its own step.
MODELS: dict[str, str] = {
    # dlib's 128-d face encoder (face_recognition_models 0.3.0) behind HOG or CNN detection.
    # 2: chips aligned on the 5-point landmarks, HOG at most 960 px.
    "dlib_face_recognition_resnet_model_v1": "2",
}
