"""A geocoding provider on loopback, speaking Nominatim's and Photon's reverse protocols.

Loaded as a pytest plugin by tests/conftest.py.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

# What the fake provider knows, as OSM would name it: (lat, lon) of the centre -> address.
KNOWN = {
    (43.46, 11.88): {
        "city": "Arezzo",
        "county": "Arezzo",
        "state": "Tuscany",
        "country": "Italy",
        "country_code": "it",
    },
    (51.02, 7.59): {
        "town": "Gummersbach",
        "state": "North Rhine-Westphalia",
        "country": "Germany",
        "country_code": "de",
    },
}


def _address_near(lat: float, lon: float) -> dict | None:
    for (klat, klon), address in KNOWN.items():
        if abs(lat - klat) < 0.05 and abs(lon - klon) < 0.05:
            return address
    return None


@dataclass
class ProviderServer:
    """`mode` picks the next answers: ok, slow (past the client's timeout), 500, 403."""

    url: str = ""
    mode: str = "ok"
    slow_seconds: float = 2.0
    requests: list[dict] = field(default_factory=list)
    # Set to switch from `mode` to "ok" (a provider that comes back).
    recovered: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server_state: ProviderServer

    def log_message(self, format, *args) -> None:  # keep pytest's output clean
        pass

    def do_GET(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        state.requests.append(
            {
                "path": parts.path,
                "query": query,
                "user_agent": self.headers.get("User-Agent"),
                "at": time.monotonic(),
            }
        )
        mode = "ok" if state.recovered.is_set() else state.mode
        if mode == "slow":
            time.sleep(state.slow_seconds)
            mode = "ok"
        if mode in {"500", "403"}:
            self._send(int(mode), {"error": "provider trouble"})
            return
        lat, lon = float(query["lat"]), float(query["lon"])
        address = _address_near(lat, lon)
        if parts.path == "/reverse" and "format" in query:
            self._send(200, _nominatim(lat, lon, address))
        else:
            self._send(200, _photon(lat, lon, address))

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout under test)


def _nominatim(lat: float, lon: float, address: dict | None) -> dict:
    if address is None:
        return {"error": "Unable to geocode"}
    name = next(address[k] for k in ("city", "town") if k in address)
    return {
        "place_id": 1,
        "licence": "Data (c) OpenStreetMap contributors, ODbL 1.0",
        "osm_type": "relation",
        "osm_id": 42,
        "lat": str(lat),
        "lon": str(lon),
        "display_name": f"{name}, {address['state']}, {address['country']}",
        "address": address,
        "boundingbox": [str(lat - 0.1), str(lat + 0.1), str(lon - 0.1), str(lon + 0.1)],
    }


def _photon(lat: float, lon: float, address: dict | None) -> dict:
    if address is None:
        return {"type": "FeatureCollection", "features": []}
    name = next(address[k] for k in ("city", "town") if k in address)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "osm_id": 42,
                    "osm_type": "N",
                    "type": "house",
                    "name": "Somewhere",
                    "city": name,
                    "state": address["state"],
                    "country": address["country"],
                    "countrycode": address["country_code"].upper(),
                },
            }
        ],
    }


@pytest.fixture
def provider_server():
    state = ProviderServer()
    handler = type("Handler", (_Handler,), {"server_state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.recovered.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def nominatim(settings, provider_server) -> ProviderServer:
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = provider_server.url
    settings.GEOCODER_USER_AGENT = "OwnPhotos-tests/1"
    settings.GEOCODER_TIMEOUT = 0.5
    settings.GEOCODER_MIN_DELAY = 0.0
    return provider_server
