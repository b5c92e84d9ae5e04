from api import tasks
from api.ml import faces as face_model
from api.models import Face
from ownphotos.celery import app
from tests.factories import corpus_photo

PATH = "faces/kit_harington/john2.jpeg"


def test_face_tasks_run_on_the_faces_queue():
    for name in ("api.tasks.photo_detect_faces", "api.tasks.user_cluster_faces"):
        assert app.amqp.router.route({}, name)["queue"].name == "faces"


def test_photo_detect_faces_stores_the_faces_and_records_the_step(user, faces_folder, manifest):
    photo = corpus_photo(owner=user, path=faces_folder.parent / PATH, entry=manifest[PATH])
    tasks.photo_detect_faces(photo.pk)
    assert Face.objects.filter(photo=photo).count() == manifest[PATH]["faces"]["count"]
    photo.refresh_from_db()
    assert photo.steps["faces"]["state"] == "done"
    assert photo.steps["faces"]["version"] == face_model.MODEL_VERSION


def test_photo_detect_faces_for_a_deleted_photo_does_nothing(user, faces_folder, manifest):
    photo = corpus_photo(owner=user, path=faces_folder.parent / PATH, entry=manifest[PATH])
    photo_id = photo.pk
    photo.delete()
    tasks.photo_detect_faces(photo_id)
    assert not Face.objects.exists()
