/**
 * Images a boot disk may start from: Google's public image projects (a fixed catalogue of the
 * families node tooling names: `projects/debian-cloud/global/images/family/debian-12`, …) and
 * the project's own images, by name or by family (the newest READY image of the family).
 */
import type { ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineHandlers } from '../call.js';
import { notFound } from '../problems.js';
import { ref, REF } from '../urls.js';

const IMAGE = 'gcp.compute.image';

interface PublicImage {
  project: string;
  name: string;
  family: string;
  diskSizeGb: string;
  description: string;
}

/** The current image of each family as GCE published it; enough for a boot disk and its metadata. */
const PUBLIC: readonly PublicImage[] = [
  { project: 'debian-cloud', name: 'debian-12-bookworm-v20241112', family: 'debian-12', diskSizeGb: '10', description: 'Debian, Debian GNU/Linux, 12 (bookworm), amd64 built on 20241112' },
  { project: 'debian-cloud', name: 'debian-11-bullseye-v20241112', family: 'debian-11', diskSizeGb: '10', description: 'Debian, Debian GNU/Linux, 11 (bullseye), amd64 built on 20241112' },
  { project: 'ubuntu-os-cloud', name: 'ubuntu-2204-jammy-v20241115', family: 'ubuntu-2204-lts', diskSizeGb: '10', description: 'Canonical, Ubuntu, 22.04 LTS, amd64 jammy image built on 2024-11-15' },
  { project: 'ubuntu-os-cloud', name: 'ubuntu-2404-noble-amd64-v20241115', family: 'ubuntu-2404-lts-amd64', diskSizeGb: '10', description: 'Canonical, Ubuntu, 24.04 LTS, amd64 noble image built on 2024-11-15' },
  { project: 'cos-cloud', name: 'cos-117-18613-75-37', family: 'cos-117-lts', diskSizeGb: '10', description: 'Container-Optimized OS, 117-18613.75.37, Kernel: COS-6.1.112 Kubernetes: 1.30.5 Docker: 24.0.9 Family: cos-117-lts' },
  { project: 'cos-cloud', name: 'cos-stable-117-18613-75-37', family: 'cos-stable', diskSizeGb: '10', description: 'Container-Optimized OS, stable channel' },
  { project: 'gke-node-images', name: 'gke-1305-gke1234000-cos-117-18613-75-37-c-pre', family: 'gke-1305-cos', diskSizeGb: '100', description: 'GKE node image' },
];

/** A stable numeric id from a name (same image, same id across runs). */
const stableId = (name: string): string => String(5_000_000_000_000_000_000n + BigInt([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 999_999_999_937, 11)));

function renderPublic(i: PublicImage): Json {
  return {
    kind: 'compute#image', id: stableId(i.name), creationTimestamp: '2024-11-12T00:00:00.000+00:00', name: i.name, description: i.description,
    family: i.family, sourceType: 'RAW', status: 'READY', archiveSizeBytes: '1073741824', diskSizeGb: i.diskSizeGb, architecture: 'X86_64',
    licenses: [ref(i.project, `global/licenses/${i.family}`)], storageLocations: ['us', 'eu', 'asia'],
    selfLink: ref(i.project, `global/images/${i.name}`), labelFingerprint: '42WmSpB8rSM=',
  };
}

/** The image a reference names (`projects/p/global/images/[family/]x`, `global/images/x`, a URL); undefined when none. */
export function findImage(call: ComputeCall, reference: string): Json | undefined {
  let v = reference.trim().replace(/^(?:https?:\/\/[^/]+\/|\/)?(?:compute\/)?(?:v1|beta|alpha)\//, '').replace(REF, '');
  if (v.startsWith('global/')) v = `projects/${call.project}/${v}`;
  const m = /^projects\/([^/]+)\/global\/images\/(?:(family)\/)?([^/]+)$/.exec(v);
  if (!m) return undefined;
  const [, project, family, name] = m;
  if (project === call.project) {
    const own = call.tenant.collection<Json>(IMAGE).list().filter((r) => (family ? r.data['family'] === name : r.data['name'] === name) && (r.lc?.state ?? 'READY') === 'READY');
    const newest = own.sort((a, b) => String(b.data['creationTimestamp']).localeCompare(String(a.data['creationTimestamp'])))[0];
    return newest && { ...newest.data, status: 'READY' };
  }
  const found = PUBLIC.find((i) => i.project === project && (family ? i.family === name : i.name === name));
  return found && renderPublic(found);
}

/** Like findImage, but a missing image is GCE's 404 naming the reference as given. */
export function requireImage(call: ComputeCall, reference: string): Json {
  const image = findImage(call, reference);
  if (image) return image;
  const path = reference.replace(/^.*?(projects\/)/, '$1');
  throw notFound(path.startsWith('projects/') ? path : `projects/${call.project}/${path.replace(/^\//, '')}`);
}

defineHandlers({
  'images.getFromFamily': (call) => requireImage(call, `projects/${call.project}/global/images/family/${call.params['family']}`),
});
