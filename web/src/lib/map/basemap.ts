/** The offline basemap: world-atlas' 110m countries drawn by MapLibre, no tile server and no
 * glyphs (counts are HTML markers), so the map asks no other host for anything. */
import type { StyleSpecification } from 'maplibre-gl';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';

type Ring = [number, number][];

/** Longitudes made continuous along a ring: a ring crossing 180° would otherwise streak
 * across the whole map. */
export function unwrapRing(ring: Ring): Ring {
	const out: Ring = [];
	let shift = 0;
	for (let i = 0; i < ring.length; i++) {
		const [lon, lat] = ring[i];
		if (i > 0) {
			const previous = ring[i - 1][0];
			if (lon - previous > 180) shift -= 360;
			else if (previous - lon > 180) shift += 360;
		}
		out.push([lon + shift, lat]);
	}
	return out;
}

function countriesGeoJson(): GeoJSON.FeatureCollection {
	const topology = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
	const collection = feature(topology, topology.objects.countries) as GeoJSON.FeatureCollection;
	for (const item of collection.features) {
		const geometry = item.geometry;
		if (geometry.type === 'Polygon') {
			geometry.coordinates = geometry.coordinates.map((r) => unwrapRing(r as Ring));
		} else if (geometry.type === 'MultiPolygon') {
			geometry.coordinates = geometry.coordinates.map((p) => p.map((r) => unwrapRing(r as Ring)));
		}
	}
	return collection;
}

export function offlineStyle(dark: boolean): StyleSpecification {
	return {
		version: 8,
		sources: { countries: { type: 'geojson', data: countriesGeoJson() } },
		layers: [
			{
				id: 'sea',
				type: 'background',
				paint: { 'background-color': dark ? '#0e1a2b' : '#cfe3f3' }
			},
			{
				id: 'land',
				type: 'fill',
				source: 'countries',
				paint: { 'fill-color': dark ? '#27303f' : '#f4f1ea' }
			},
			{
				id: 'borders',
				type: 'line',
				source: 'countries',
				paint: { 'line-color': dark ? '#4b5563' : '#b8b2a7', 'line-width': 0.6 }
			}
		]
	};
}
