"""Event albums: a user's dated photos grouped by the gaps between them.

A new event starts after more than GAP without photos, or when the camera moved more than
MOVE_KM between two photos with GPS. Regeneration is incremental: only the time around
photos changed since the last run is regrouped (widened to the events it touches), and
events keep their ids where their photos mostly stay. Events the user edited keep their
title and members; new photos taken inside their span join them.

Titles name the event's commonest places (cities, else regions, else countries) and the
named people seen most in it. A person renamed, hidden or given faces since the last run
counts as a change to the photos they are in, so those events are retitled.
"""

import bisect
import datetime as dt
import logging
from calendar import month_name
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from api.geo.distance import distance_km
from api.models import Album, AlbumPhoto, EventGrouping, Face, Photo, Place, User
from api.models.photo import DateSource

logger = logging.getLogger(__name__)

GAP = dt.timedelta(hours=12)
MOVE_KM = 200.0
MIN_PHOTOS = 3
DASH = "\N{EN DASH}"


class _Event(NamedTuple):
    id: int
    start_at: dt.datetime
    end_at: dt.datetime
    edited: bool
    title: str


@dataclass
class _Shot:
    id: int
    taken_at: dt.datetime
    day: dt.date
    lat: float | None
    lon: float | None
    updated_at: dt.datetime
    place_id: int | None
    hidden: bool


class _Labels(NamedTuple):
    """What titles are made of, per photo id: its place names by level, and the named,
    unhidden people in it."""

    places: dict[int, dict[int, str]]
    people: dict[int, list[str]]


def event_title(
    *, start: dt.date, end: dt.date, places: Sequence[str] = (), people: Sequence[str] = ()
) -> str:
    """A title such as "Lisbon, July 2019 with Anna": places and people are optional, most
    important first; two of each are named, the rest counted."""
    if start == end:
        when = f"{start.day} {month_name[start.month]} {start.year}"
    elif (start.year, start.month) == (end.year, end.month):
        when = f"{month_name[start.month]} {start.year}"
    elif start.year == end.year:
        when = f"{month_name[start.month]} {DASH} {month_name[end.month]} {start.year}"
    else:
        when = f"{month_name[start.month]} {start.year} {DASH} {month_name[end.month]} {end.year}"
    title = f"{_names(places)}, {when}" if places else when
    return f"{title} with {_names(people)}" if people else title


def _names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    rest = len(names) - 2
    return f"{names[0]}, {names[1]} and {rest} other{'s' if rest > 1 else ''}"


def _moved_km(a: _Shot, b: _Shot) -> float:
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def _group(shots: list[_Shot]) -> list[list[_Shot]]:
    """Split time-ordered shots at every gap over GAP and every move over MOVE_KM (between a
    shot with GPS and the group's last one with GPS)."""
    groups: list[list[_Shot]] = []
    current: list[_Shot] = []
    located: _Shot | None = None
    for shot in shots:
        has_gps = shot.lat is not None and shot.lon is not None
        if current and (
            shot.taken_at - current[-1].taken_at > GAP
            or (
                has_gps
                and located is not None
                and distance_km(located.lat, located.lon, shot.lat, shot.lon) > MOVE_KM
            )
        ):
            groups.append(current)
            current, located = [], None
        current.append(shot)
        if has_gps:
            located = shot
    if current:
        groups.append(current)
    return groups


def _merge(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _windows(
    spans: list[tuple[dt.datetime, dt.datetime]],
    events: list[_Event],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The time ranges to regroup: `spans` widened to whole events until no event sticks out
    of a range."""
    windows = _merge(spans)
    while True:
        starts = [w[0] for w in windows]
        spans = list(windows)
        for _, start, end, *_ in events:
            i = bisect.bisect_right(starts, end) - 1
            if i >= 0 and windows[i][1] >= start and (start < windows[i][0] or end > windows[i][1]):
                spans.append((start, end))
        if len(spans) == len(windows):
            return windows
        windows = _merge(spans)


def _inside(t: dt.datetime, windows: list[tuple[dt.datetime, dt.datetime]]) -> bool:
    i = bisect.bisect_right(windows, (t, dt.datetime.max.replace(tzinfo=dt.UTC))) - 1
    return i >= 0 and windows[i][0] <= t <= windows[i][1]


@transaction.atomic
def events_regenerate(*, user: User, full: bool = False) -> dict[str, int]:
    """Bring `user`'s event albums up to date with their photos; returns counts
    {"created", "updated", "deleted", "photos"} (photos regrouped).

    The first run, or `full`, regroups everything; later runs only the time around photos
    changed since. Trashed photos, and photos dated only by their file's mtime, belong to no
    event. Two runs for one user never interleave: the second waits for the first.
    """
    state, _ = EventGrouping.objects.select_for_update().get_or_create(owner=user)
    started = timezone.now()
    since = state.grouped_at
    # Dismissed events too (not `for_user`): they hold their photos like edited ones.
    events = [
        _Event(*row)
        for row in Album.objects.filter(owner=user, kind=Album.Kind.EVENT)
        .order_by("start_at")
        .values_list("id", "start_at", "end_at", "edited_by_user", "title")
    ]
    # A file's modification time says when it was copied, not when the photo was taken.
    photos = (
        Photo.objects.for_user(user)
        .filter(taken_at__isnull=False)
        .exclude(date_source=DateSource.MTIME)
    )
    windows = None
    if not full and since is not None:
        changed = photos.filter(updated_at__gte=since)
        # A person named, hidden or given faces since: their photos' events need a new title.
        renamed = photos.filter(faces__person__updated_at__gte=since).distinct()
        # Events holding a changed photo are regrouped too, in case its date moved away.
        touched = set(
            AlbumPhoto.objects.filter(
                photo__in=Photo.objects.for_user(user).filter(updated_at__gte=since),
                album__kind=Album.Kind.EVENT,
            ).values_list("album_id", flat=True)
        )
        spans = [(t - GAP, t + GAP) for t in changed.values_list("taken_at", flat=True)]
        spans += [(t - GAP, t + GAP) for t in renamed.values_list("taken_at", flat=True)]
        spans += [(event.start_at, event.end_at) for event in events if event.id in touched]
        windows = _windows(spans, events)
        if windows:
            photos = photos.filter(taken_at__gte=windows[0][0], taken_at__lte=windows[-1][1])
    shots = (
        []
        if windows == []
        else [
            _Shot(*row)
            for row in photos.filter(in_trash=False)
            .order_by("taken_at", "id")
            .values_list(
                "id",
                "taken_at",
                "taken_date",
                "gps_lat",
                "gps_lon",
                "updated_at",
                "place_id",
                "hidden",
            )
        ]
    )
    if windows is not None:
        shots = [shot for shot in shots if _inside(shot.taken_at, windows)]
        events = [event for event in events if _inside(event.start_at, windows)]
    labels = _labels(shots=shots, photos=photos)
    counts = _regroup(user=user, shots=shots, events=events, since=since, labels=labels)
    state.grouped_at = started
    state.save(update_fields=["grouped_at"])
    logger.info("events of %s regenerated: %s", user, counts)
    return counts


def _labels(*, shots: list[_Shot], photos) -> _Labels:
    """Place names and people of `shots`, in two queries whatever their number. Hidden
    photos name nothing: an event shared with others must not give them away."""
    shown = [shot for shot in shots if not shot.hidden]
    place_ids = {shot.place_id for shot in shown if shot.place_id}
    names: dict[int, dict[int, str]] = {}
    if place_ids:
        rows = Place.objects.filter(pk__in=place_ids).values_list(
            "id", "level", "name", "parent__level", "parent__name", "parent__parent__name"
        )
        for pk, level, name, parent_level, parent, grandparent in rows:
            names[pk] = {level: name}
            if parent is not None:
                names[pk][parent_level] = parent
            if grandparent is not None:
                names[pk][Place.Level.COUNTRY] = grandparent
    places = {shot.id: names[shot.place_id] for shot in shown if shot.place_id in names}
    people: dict[int, list[str]] = {}
    if shown:
        ids = {shot.id for shot in shown}
        faces = Face.objects.filter(
            photo__in=photos.filter(in_trash=False, hidden=False),
            person__name__isnull=False,
            person__hidden=False,
        ).values_list("photo_id", "person__name")
        for photo_id, name in faces:
            if photo_id in ids and name not in people.setdefault(photo_id, []):
                people[photo_id].append(name)
    return _Labels(places=places, people=people)


def _regroup(
    *,
    user: User,
    shots: list[_Shot],
    events: list[_Event],
    since: dt.datetime | None,
    labels: _Labels,
) -> dict[str, int]:
    """Regroup `shots` (every untrashed dated photo of the affected ranges) and rewrite the
    events lying in those ranges. Edited events only gain photos changed since `since` that
    were taken inside their span; a photo the user took out stays out."""
    edited = [event for event in events if event.edited]
    old = {event.id: event for event in events if not event.edited}
    # album id -> {photo id: membership id}
    current: dict[int, dict[int, int]] = {event.id: {} for event in events}
    members = AlbumPhoto.objects.filter(album_id__in=list(current))
    for pk, album_id, photo_id in members.values_list("id", "album_id", "photo_id"):
        current[album_id][photo_id] = pk
    kept = set(
        AlbumPhoto.objects.filter(
            album__owner=user, album__kind=Album.Kind.EVENT, album__edited_by_user=True
        ).values_list("photo_id", flat=True)
    )
    free, additions = [], []
    for shot in shots:
        if shot.id in kept:
            continue
        inside = next((e.id for e in edited if e.start_at <= shot.taken_at <= e.end_at), None)
        if inside is None:
            free.append(shot)
        elif since is None or shot.updated_at >= since:
            additions.append(AlbumPhoto(album_id=inside, photo_id=shot.id))

    event_of = {pk: album_id for album_id in old for pk in current[album_id]}
    groups = [group for group in _group(free) if len(group) >= MIN_PHOTOS]
    # Each group keeps the old event holding most of its photos, biggest groups first.
    unused, plan = set(old), []
    for group in sorted(groups, key=len, reverse=True):
        votes = Counter(event_of[s.id] for s in group if event_of.get(s.id) in unused)
        reuse = votes.most_common(1)[0][0] if votes else None
        unused.discard(reuse)
        plan.append((reuse, group))

    new_albums = [
        Album(owner=user, kind=Album.Kind.EVENT, **_fields(group, labels))
        for reuse, group in plan
        if reuse is None
    ]
    Album.objects.bulk_create(new_albums, batch_size=1000)
    created = iter(new_albums)
    updated, removals = [], []
    for reuse, group in plan:
        album = next(created) if reuse is None else Album(pk=reuse, **_fields(group, labels))
        wanted = {s.id for s in group}
        have = current.get(album.pk, {})
        gone = [pk for photo_id, pk in have.items() if photo_id not in wanted]
        new = [
            AlbumPhoto(album_id=album.pk, photo_id=s.id, order=i)
            for i, s in enumerate(group)
            if s.id not in have
        ]
        removals += gone
        additions += new
        if reuse is not None and (gone or new or _changed(old[reuse], album)):
            updated.append(album)
    Album.objects.bulk_update(updated, ["title", "start_at", "end_at", "updated_at"])
    Album.objects.filter(pk__in=unused).delete()
    AlbumPhoto.objects.filter(pk__in=removals).delete()
    AlbumPhoto.objects.bulk_create(additions, batch_size=1000)
    return {
        "created": len(new_albums),
        "updated": len(updated),
        "deleted": len(unused),
        "photos": len(shots),
    }


def _changed(event: _Event, album: Album) -> bool:
    return (event.title, event.start_at, event.end_at) != (
        album.title,
        album.start_at,
        album.end_at,
    )


def _fields(group: list[_Shot], labels: _Labels) -> dict:
    return {
        "title": event_title(
            start=group[0].day,
            end=group[-1].day,
            places=_places(group, labels),
            people=_people(group, labels),
        ),
        "start_at": group[0].taken_at,
        "end_at": group[-1].taken_at,
        "updated_at": timezone.now(),
    }


def _places(group: list[_Shot], labels: _Labels) -> list[str]:
    """The two commonest cities of the group; without any, regions; without any, countries.
    Ties go to the place seen first."""
    for level in (Place.Level.CITY, Place.Level.REGION, Place.Level.COUNTRY):
        seen = Counter(
            labels.places[s.id][level]
            for s in group
            if s.id in labels.places and level in labels.places[s.id]
        )
        if seen:
            return [name for name, _ in seen.most_common(2)]
    return []


def _people(group: list[_Shot], labels: _Labels) -> list[str]:
    """Named people by the number of the group's photos they are in, ties to the first seen."""
    seen = Counter(name for s in group for name in labels.people.get(s.id, ()))
    return [name for name, _ in seen.most_common()]
