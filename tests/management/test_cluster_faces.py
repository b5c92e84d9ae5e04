import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import Face, Person
from api.services import faces as face_services
from tests.factories import corpus_photo


def test_cluster_faces_reclusters_one_users_faces(user, faces_folder, manifest, face_detections):
    paths = [p for p in face_detections if p.startswith("faces/colin_powell/")]
    for path in paths:
        photo = corpus_photo(owner=user, path=faces_folder.parent / path, entry=manifest[path])
        face_services.photo_store_faces(photo=photo, detected=face_detections[path])
    Face.objects.update(person=None, person_source="")
    Person.objects.all().delete()
    out = StringIO()
    call_command("cluster_faces", "--user", user.username, stdout=out)
    result = json.loads(out.getvalue())
    assert result == {
        "user": user.username,
        "faces": len(paths),
        "recognised": 0,
        "clusters": 1,
        "unknown": 0,
    }
    assert Person.objects.get().face_count == len(paths)


def test_cluster_faces_for_an_unknown_user_fails_with_a_reason(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("cluster_faces", "--user", "nobody")
