import { voronoiJurisdictions } from "./jurisdictions";
import { buildFleet, seededRandom, type SeedTree, type StationSeed } from "./tree";

/** Vehicles in the demo fleet. */
const DEMO_VEHICLES = 200;

/** Zone → division → stations as [code, name, lat, lon]. Real Kochi City station names; positions approximate. */
const KOCHI: { code: string; name: string; divisions: { code: string; name: string; stations: [string, string, number, number][] }[] }[] = [
  {
    code: "KOCHI-Z1",
    name: "Zone 1 (Mattancherry/Fort Kochi)",
    divisions: [
      {
        code: "KOCHI-MTC",
        name: "Mattancherry sub-division",
        stations: [
          ["FKC", "Fort Kochi", 9.9658, 76.2421],
          ["MTC", "Mattancherry", 9.958, 76.259],
          ["HBR", "Harbour", 9.947, 76.269],
        ],
      },
      {
        code: "KOCHI-PLR",
        name: "Palluruthy sub-division",
        stations: [
          ["TPD", "Thoppumpady", 9.937, 76.262],
          ["PLR", "Palluruthy", 9.921, 76.274],
          ["KBG", "Kumbalangi", 9.88, 76.287],
          ["KNM", "Kannamaly", 9.872, 76.265],
        ],
      },
      {
        code: "KOCHI-VYP",
        name: "Vypin sub-division",
        stations: [
          ["NJK", "Njarakkal", 10.043, 76.218],
          ["MLV", "Mulavukad", 10.011, 76.262],
        ],
      },
    ],
  },
  {
    code: "KOCHI-Z2",
    name: "Zone 2 (Ernakulam)",
    divisions: [
      {
        code: "KOCHI-EKC",
        name: "Ernakulam Central sub-division",
        stations: [
          ["EKC", "Ernakulam Central", 9.9816, 76.2822],
          ["ETN", "Ernakulam Town North", 9.9905, 76.288],
          ["KDV", "Kadavanthra", 9.9667, 76.2997],
          ["EWP", "Women Police Station, Ernakulam", 9.983, 76.285],
        ],
      },
      {
        code: "KOCHI-EKS",
        name: "Ernakulam South sub-division",
        stations: [
          ["ETS", "Ernakulam Town South", 9.968, 76.289],
          ["MRD", "Maradu", 9.934, 76.319],
          ["PNG", "Panangad", 9.894, 76.32],
        ],
      },
      {
        code: "KOCHI-PLV",
        name: "Palarivattom sub-division",
        stations: [
          ["PLV", "Palarivattom", 10.004, 76.307],
          ["ELM", "Elamakkara", 10.016, 76.293],
          ["CRN", "Cheranalloor", 10.062, 76.287],
        ],
      },
      {
        code: "KOCHI-TRF",
        name: "Traffic sub-division",
        stations: [
          ["TRE", "Traffic East", 9.967, 76.319],
          ["TRW", "Traffic West", 9.978, 76.278],
        ],
      },
    ],
  },
  {
    code: "KOCHI-Z3",
    name: "Zone 3 (Thrikkakara)",
    divisions: [
      {
        code: "KOCHI-TKK",
        name: "Thrikkakara sub-division",
        stations: [
          ["TKK", "Thrikkakara", 10.033, 76.329],
          ["IFP", "Infopark", 10.01, 76.363],
        ],
      },
      {
        code: "KOCHI-KLM",
        name: "Kalamassery sub-division",
        stations: [
          ["KLM", "Kalamassery", 10.054, 76.317],
          ["ELR", "Eloor", 10.076, 76.3],
          ["KMT", "Kochi Metro", 10.046, 76.315],
        ],
      },
      {
        code: "KOCHI-TPT",
        name: "Tripunithura sub-division",
        stations: [
          ["HPL", "Hill Palace", 9.952, 76.362],
          ["UDP", "Udayamperoor", 9.906, 76.369],
          ["AMB", "Ambalamedu", 9.98, 76.388],
          ["CTK", "Chottanikkara", 9.932, 76.391],
        ],
      },
    ],
  },
];

/**
 * The `demo` profile: Kochi City with 3 zones, 10 divisions, 30 stations and 200 vehicles. Every station has a
 * jurisdiction: its Voronoi cell among the stations, clipped to the city's outline (`voronoiJurisdictions`).
 */
export function kochiTree(): SeedTree {
  const district = { code: "KOCHI", name: "Kochi City" };
  const zones = KOCHI.map((z) => ({ code: z.code, name: z.name, districtCode: district.code }));
  const divisions = KOCHI.flatMap((z) => z.divisions.map((d) => ({ code: d.code, name: d.name, zoneCode: z.code })));
  const placed = KOCHI.flatMap((z) =>
    z.divisions.flatMap((d) => d.stations.map(([code, name, lat, lon]) => ({ code, name, lat, lon, divisionCode: d.code }))),
  );
  const boundaries = voronoiJurisdictions(placed);
  const stations: StationSeed[] = placed.map((s, i) => ({ ...s, boundary: boundaries[i] }));
  return {
    districts: [district],
    zones,
    divisions,
    stations,
    // RTO 07 is Ernakulam.
    vehicles: buildFleet(stations.map((s) => s.code), DEMO_VEHICLES, "07", seededRandom(7)),
    commanders: { district: "KOCHI", zone: "KOCHI-Z2", division: "KOCHI-EKC", station: "KDV" },
  };
}
