from django.core.management.base import BaseCommand, CommandError

from api.exceptions import OwnPhotosError
from api.ml.downloads import model_download, model_verify
from api.ml.registry import REGISTRY


class Command(BaseCommand):
    help = (
        "Download model weights into the models folder and check their sha256. Without NAME, "
        f"every model ({', '.join(REGISTRY)}). --list shows what is installed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME", help="models to fetch")
        parser.add_argument("--list", action="store_true", help="show installed models")
        parser.add_argument("--force", action="store_true", help="fetch files already present")

    def handle(self, *args, names: list[str], list: bool, force: bool, **options) -> None:
        unknown = [name for name in names if name not in REGISTRY]
        if unknown:
            raise CommandError(f"unknown model {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
        specs = [REGISTRY[name] for name in names or REGISTRY]
        if list:
            for spec in specs:
                states = model_verify(spec=spec)
                overall = "installed" if spec.installed() else "not installed"
                if any(state == "corrupt" for state in states.values()):
                    overall = "corrupt"
                details = ", ".join(f"{name}: {state}" for name, state in states.items())
                self.stdout.write(f"{spec.name}\t{spec.version}\t{overall}\t({details})")
            return
        for spec in specs:
            try:
                # The raw stream: OutputWrapper would end each of tqdm's redraws with a newline.
                fetched = model_download(spec=spec, force=force, progress=self.stderr._out)
            except OwnPhotosError as exc:
                raise CommandError(exc.detail) from exc
            self.stdout.write(f"{spec.name}: {len(fetched)} file(s) fetched, installed")
