import datetime as dt
import random
from pathlib import Path

import pytest

from api.geo import geocode
from api.ingest.scan import library_scan
from api.models import Album, Face, Person, Photo, Place
from api.services.albums import album_delete, album_remove_photos, album_update
from api.services.events import event_title, events_regenerate
from api.services.people import person_hide, person_rename
from api.services.photos import photo_update
from tests.factories import PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db

LISBON = (38.7223, -9.1393)
MADRID = (40.4168, -3.7038)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _shots(owner, start: dt.datetime, count: int, every: dt.timedelta, where=(None, None)):
    return [
        PhotoFactory(
            owner=owner,
            taken_at=start + i * every,
            taken_date=(start + i * every).date(),
            gps_lat=where[0],
            gps_lon=where[1],
        )
        for i in range(count)
    ]


def _events(owner) -> list[tuple[str, set[int]]]:
    albums = Album.objects.for_user(owner).filter(kind=Album.Kind.EVENT).order_by("start_at")
    return [(a.title, set(a.photos.values_list("pk", flat=True))) for a in albums]


def _ids(photos) -> set[int]:
    return {photo.pk for photo in photos}


def test_photos_split_into_events_at_gaps_over_12_hours_and_small_groups_are_left_out(user):
    day = _shots(user, _at(2019, 7, 1, 8), 5, dt.timedelta(hours=2))
    trip = _shots(user, _at(2019, 7, 10, 6), 12, dt.timedelta(hours=6))
    lonely = _shots(user, _at(2019, 8, 1, 12), 2, dt.timedelta(hours=1))

    counts = events_regenerate(user=user)

    assert _events(user) == [("1 July 2019", _ids(day)), ("July 2019", _ids(trip))]
    assert counts == {"created": 2, "updated": 0, "deleted": 0, "photos": 19}
    assert not Album.objects.filter(photos__in=lonely).exists()


def test_a_move_over_200_km_starts_a_new_event_within_the_same_hours(user):
    lisbon = _shots(user, _at(2020, 5, 1, 9), 3, dt.timedelta(minutes=30), LISBON)
    undated_place = _shots(user, _at(2020, 5, 1, 10, 40), 1, dt.timedelta(0))
    madrid = _shots(user, _at(2020, 5, 1, 13), 3, dt.timedelta(minutes=30), MADRID)

    events_regenerate(user=user)

    assert [members for _, members in _events(user)] == [
        _ids(lisbon + undated_place),
        _ids(madrid),
    ]


def test_photos_dated_only_by_file_mtime_form_no_event(user):
    copied = _shots(user, _at(2024, 1, 1, 12), 5, dt.timedelta(minutes=1))
    Photo.objects.filter(pk__in=_ids(copied)).update(date_source="mtime")

    events_regenerate(user=user)

    assert _events(user) == []


def test_incremental_run_regroups_only_around_changed_photos_and_keeps_event_ids(user):
    old = _shots(user, _at(2018, 3, 1, 10), 4, dt.timedelta(hours=1))
    recent = _shots(user, _at(2019, 3, 1, 10), 4, dt.timedelta(hours=1))
    events_regenerate(user=user)
    before = {a.pk: a.updated_at for a in Album.objects.filter(kind=Album.Kind.EVENT)}

    later = _shots(user, _at(2019, 3, 1, 20), 3, dt.timedelta(hours=1))
    counts = events_regenerate(user=user)

    assert counts == {"created": 0, "updated": 1, "deleted": 0, "photos": 7}
    assert [members for _, members in _events(user)] == [_ids(old), _ids(recent + later)]
    after = {a.pk: a.updated_at for a in Album.objects.filter(kind=Album.Kind.EVENT)}
    assert set(after) == set(before)
    old_event = Album.objects.get(photos=old[0])
    assert after[old_event.pk] == before[old_event.pk]


def test_a_rerun_without_changes_regroups_nothing(user):
    _shots(user, _at(2018, 3, 1, 10), 4, dt.timedelta(hours=1))
    events_regenerate(user=user)
    first = _events(user)

    assert events_regenerate(user=user) == {"created": 0, "updated": 0, "deleted": 0, "photos": 0}
    assert _events(user) == first


def test_a_photo_bridging_two_events_merges_them(user):
    morning = _shots(user, _at(2021, 6, 1, 6), 3, dt.timedelta(hours=1))
    evening = _shots(user, _at(2021, 6, 2, 6), 3, dt.timedelta(hours=1))
    events_regenerate(user=user)
    assert len(_events(user)) == 2

    bridge = _shots(user, _at(2021, 6, 1, 18), 1, dt.timedelta(0))
    counts = events_regenerate(user=user)

    assert _events(user) == [("June 2021", _ids(morning + bridge + evening))]
    assert (counts["updated"], counts["deleted"]) == (1, 1)


def test_renamed_event_keeps_title_and_members_and_gains_new_photos_taken_inside_it(user):
    trip = _shots(user, _at(2017, 9, 1, 8), 6, dt.timedelta(hours=3))
    events_regenerate(user=user)
    event = Album.objects.get(kind=Album.Kind.EVENT)
    album_update(by=user, album=event, title="Porto with Ana")
    album_remove_photos(by=user, album=event, photo_ids=[trip[2].pk])

    inside = _shots(user, _at(2017, 9, 1, 9, 30), 1, dt.timedelta(0))
    events_regenerate(user=user)
    events_regenerate(user=user, full=True)

    event.refresh_from_db()
    assert (event.title, event.edited_by_user) == ("Porto with Ana", True)
    assert _events(user) == [("Porto with Ana", _ids(trip + inside) - {trip[2].pk})]


def test_a_deleted_event_does_not_come_back_when_events_are_regrouped(user):
    trip = _shots(user, _at(2017, 5, 1, 8), 4, dt.timedelta(hours=1))
    events_regenerate(user=user)
    album_delete(by=user, album=Album.objects.get(kind=Album.Kind.EVENT))

    _shots(user, _at(2017, 5, 1, 9, 30), 1, dt.timedelta(0))
    events_regenerate(user=user)
    events_regenerate(user=user, full=True)

    assert _events(user) == []
    assert Photo.objects.filter(pk__in=_ids(trip)).count() == 4


def test_trashed_photos_leave_their_event_and_come_back_when_restored(user):
    trip = _shots(user, _at(2016, 4, 2, 8), 4, dt.timedelta(hours=1))
    events_regenerate(user=user)

    photo_update(photo=trip[0], by=user, in_trash=True)
    events_regenerate(user=user)
    assert _events(user) == [("2 April 2016", _ids(trip[1:]))]

    photo_update(photo=trip[0], by=user, in_trash=False)
    events_regenerate(user=user)
    assert _events(user) == [("2 April 2016", _ids(trip))]


def test_incremental_runs_end_where_one_full_run_does(user):
    rng = random.Random(6)
    moment, moments = _at(2015, 1, 1), []
    for _ in range(300):
        big = rng.random() < 0.1
        moment += dt.timedelta(hours=rng.uniform(13, 200) if big else rng.uniform(0.1, 6))
        moments.append(moment)
    rng.shuffle(moments)
    for chunk in range(0, 300, 60):
        for moment in moments[chunk : chunk + 60]:
            PhotoFactory(owner=user, taken_at=moment, taken_date=moment.date())
        events_regenerate(user=user)
    incremental = sorted(sorted(members) for _, members in _events(user))

    events_regenerate(user=user, full=True)

    assert len(incremental) > 5
    assert sorted(sorted(members) for _, members in _events(user)) == incremental


def test_events_are_per_user(user, other_user):
    _shots(other_user, _at(2014, 2, 2, 8), 5, dt.timedelta(hours=1))
    events_regenerate(user=user)
    assert _events(user) == []
    events_regenerate(user=other_user)
    assert len(_events(other_user)) == 1


def _city(name: str, region: str = "Lisboa") -> Place:
    return Place.objects.ensure_path(
        country_code="PT", country="Portugal", region=region, city=name
    )


def _placed(photos, place: Place) -> None:
    Photo.objects.filter(pk__in=_ids(photos)).update(place=place)


def _face(photo: Photo, person: Person) -> Face:
    return Face.objects.create(
        photo=photo,
        top=1,
        right=9,
        bottom=9,
        left=1,
        encoding=bytes(512),
        detector="hog",
        person=person,
    )


def test_an_event_in_lisbon_is_titled_with_lisbon_and_its_date(user):
    _placed(_shots(user, _at(2019, 7, 4, 9), 4, dt.timedelta(hours=1)), _city("Lisbon"))

    events_regenerate(user=user)

    assert [title for title, _ in _events(user)] == ["Lisbon, 4 July 2019"]


def test_event_names_its_two_commonest_cities_before_regions_and_countries(user):
    trip = _shots(user, _at(2019, 7, 4, 9), 8, dt.timedelta(hours=1))
    _placed(trip[:1], _city("Cascais"))
    _placed(trip[1:3], _city("Lisbon"))
    _placed(trip[3:6], _city("Sintra"))
    _placed(trip[6:], Place.objects.get(name="Lisboa"))
    countryside = _shots(user, _at(2019, 8, 1, 9), 3, dt.timedelta(hours=1))
    _placed(countryside[:1], Place.objects.get(name="Portugal"))
    _placed(countryside[1:], Place.objects.get(name="Lisboa"))

    events_regenerate(user=user)

    assert [title for title, _ in _events(user)] == [
        "Sintra and Lisbon, 4 July 2019",
        "Lisboa, 1 August 2019",
    ]


def test_named_people_join_the_title_most_seen_first_and_unnamed_ones_do_not(user):
    trip = _shots(user, _at(2019, 7, 4, 9), 4, dt.timedelta(hours=1))
    _placed(trip, _city("Lisbon"))
    anna = Person.objects.create(owner=user, name="Anna")
    ben = Person.objects.create(owner=user, name="Ben")
    stranger = Person.objects.create(owner=user)
    _face(trip[0], ben)
    for photo in trip[1:]:
        _face(photo, anna)
        _face(photo, stranger)

    events_regenerate(user=user)

    assert [title for title, _ in _events(user)] == ["Lisbon, 4 July 2019 with Anna and Ben"]


def test_a_hidden_person_and_people_in_hidden_photos_are_not_named(user):
    trip = _shots(user, _at(2019, 7, 4, 9), 4, dt.timedelta(hours=1))
    _face(trip[0], Person.objects.create(owner=user, name="Anna"))
    _face(trip[1], Person.objects.create(owner=user, name="Ex", hidden=True))
    _face(trip[2], Person.objects.create(owner=user, name="Secret"))
    _placed(trip[2:3], _city("Porto", region="Porto"))
    Photo.objects.filter(pk=trip[2].pk).update(hidden=True)

    events_regenerate(user=user)

    assert _events(user) == [("4 July 2019 with Anna", _ids(trip))]


def test_titles_follow_geocoding_and_naming_on_later_incremental_runs(user):
    trip = _shots(user, _at(2019, 7, 4, 9), 4, dt.timedelta(hours=1), LISBON)
    other = _shots(user, _at(2018, 1, 2, 9), 3, dt.timedelta(hours=1))
    someone = Person.objects.create(owner=user)
    _face(trip[0], someone)
    events_regenerate(user=user)
    assert [title for title, _ in _events(user)] == ["2 January 2018", "4 July 2019"]
    untouched = Album.objects.get(photos=other[0]).updated_at

    for photo in trip:
        geocode.photo_geocode(photo=photo)
    events_regenerate(user=user)
    assert [title for title, _ in _events(user)] == ["2 January 2018", "Lisbon, 4 July 2019"]

    person_rename(by=user, person=someone, name="Anna")
    counts = events_regenerate(user=user)
    assert [title for title, _ in _events(user)] == [
        "2 January 2018",
        "Lisbon, 4 July 2019 with Anna",
    ]
    assert (counts["updated"], counts["photos"]) == (1, 4)

    person_hide(by=user, person=someone)
    events_regenerate(user=user)
    assert [title for title, _ in _events(user)] == ["2 January 2018", "Lisbon, 4 July 2019"]
    assert Album.objects.get(photos=other[0]).updated_at == untouched


def test_an_edited_event_keeps_its_title_when_places_and_people_change(user):
    trip = _shots(user, _at(2019, 7, 4, 9), 4, dt.timedelta(hours=1))
    anna = Person.objects.create(owner=user)
    _face(trip[0], anna)
    events_regenerate(user=user)
    album_update(by=user, album=Album.objects.get(kind=Album.Kind.EVENT), title="Holidays")

    _placed(trip, _city("Lisbon"))
    Photo.objects.filter(pk__in=_ids(trip)).update(updated_at=dt.datetime.now(dt.UTC))
    person_rename(by=user, person=anna, name="Anna")
    events_regenerate(user=user)
    events_regenerate(user=user, full=True)

    assert _events(user) == [("Holidays", _ids(trip))]


@pytest.mark.parametrize(
    ("start", "end", "places", "people", "title"),
    [
        (dt.date(2019, 7, 4), dt.date(2019, 7, 4), [], [], "4 July 2019"),
        (
            dt.date(2019, 7, 4),
            dt.date(2019, 7, 9),
            ["Lisbon"],
            ["Anna"],
            "Lisbon, July 2019 with Anna",
        ),
        (
            dt.date(2019, 7, 30),
            dt.date(2019, 8, 2),
            ["Lisbon", "Porto"],
            [],
            "Lisbon and Porto, July \N{EN DASH} August 2019",
        ),
        (
            dt.date(2019, 12, 30),
            dt.date(2020, 1, 2),
            [],
            ["Anna", "Ben", "Cy", "Dee"],
            "December 2019 \N{EN DASH} January 2020 with Anna, Ben and 2 others",
        ),
    ],
)
def test_event_title_reads_date_range_places_and_people(start, end, places, people, title):
    assert event_title(start=start, end=end, places=places, people=people) == title


def test_scanned_corpus_events_match_the_capture_dates_in_the_manifest(library, manifest):
    owner = UserFactory(username="events")
    library_scan(user=owner, path=library)

    events_regenerate(user=owner)

    dated = []
    for path, entry in manifest.items():
        stamp = entry["exif"]["datetime_original"]
        if stamp:
            wall = dt.datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
            offset = entry["exif"]["offset_time_original"]
            zone = dt.UTC
            if offset:
                sign = -1 if offset[0] == "-" else 1
                hours, minutes = map(int, offset[1:].split(":"))
                zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
            dated.append((wall.replace(tzinfo=zone), path))
    dated.sort()
    expected, group = [], [dated[0]]
    for moment, path in dated[1:]:
        if moment - group[-1][0] > dt.timedelta(hours=12):
            expected.append(group)
            group = []
        group.append((moment, path))
    expected.append(group)
    expected = [{path for _, path in g} for g in expected if len(g) >= 3]
    assert expected == [{f"gps/DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27)}]

    events = Album.objects.for_user(owner).filter(kind=Album.Kind.EVENT)
    found = [
        {str(path.relative_to(library)) for path in map(_path, event.photos.all())}
        for event in events
    ]
    assert found == expected
    assert [event.title for event in events] == ["22 October 2008"]


def _path(photo: Photo) -> Path:
    return Path(photo.files.get().path)
