from django.core.checks import run_checks


def _ids() -> set[str]:
    return {message.id for message in run_checks()}


def test_unknown_geocoder_is_reported_by_check(settings):
    settings.GEOCODER = "mapquest-ish"
    assert "ownphotos.E010" in _ids()


def test_known_geocoders_pass_the_check(settings):
    for name in ("offline", "nominatim", "photon"):
        settings.GEOCODER = name
        assert "ownphotos.E010" not in _ids()
