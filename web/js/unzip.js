// unzip.js: the files inside SignedFiles.zip, read in the browser. The
// server deletes the signed files once it has sent the archive, so the
// download page keeps the archive it fetched and gives each file from it
// (stored or deflated entries: DecompressionStream 'deflate-raw'). Only
// what libzip writes for us is read: one disk, no ZIP64, no encryption;
// anything else gives null and the page offers the archive alone.
const EOCD = 0x06054b50, CEN = 0x02014b50, LOC = 0x04034b50;

async function bytes(blob, from, to) {
	return new DataView(await blob.slice(from, to).arrayBuffer());
}

// -> [{name, method, csize, size, header (the local header's offset)}] or null
export async function zipEntries(blob) {
	const tailFrom = Math.max(0, blob.size - 65557);
	const tail = await bytes(blob, tailFrom, blob.size);
	let e = -1;
	for (let i = tail.byteLength - 22; i >= 0; i--) {
		if (tail.getUint32(i, true) === EOCD) {
			e = i;
			break;
		}
	}
	if (e < 0)
		return null;
	const count = tail.getUint16(e + 10, true);
	const cdSize = tail.getUint32(e + 12, true);
	const cdOff = tail.getUint32(e + 16, true);
	if (cdOff === 0xffffffff || cdOff + cdSize > blob.size)
		return null;
	const cd = await bytes(blob, cdOff, cdOff + cdSize);
	const dec = new TextDecoder('utf-8');
	const out = [];
	let p = 0;
	for (let k = 0; k < count; k++) {
		if (p + 46 > cd.byteLength || cd.getUint32(p, true) !== CEN)
			return null;
		const flags = cd.getUint16(p + 8, true);
		const method = cd.getUint16(p + 10, true);
		const csize = cd.getUint32(p + 20, true);
		const size = cd.getUint32(p + 24, true);
		const n = cd.getUint16(p + 28, true), x = cd.getUint16(p + 30, true), c = cd.getUint16(p + 32, true);
		const header = cd.getUint32(p + 42, true);
		if ((flags & 1) || (method !== 0 && method !== 8) || csize === 0xffffffff || header === 0xffffffff)
			return null;
		const name = dec.decode(new Uint8Array(cd.buffer, cd.byteOffset + p + 46, n));
		out.push({ name, method, csize, size, header });
		p += 46 + n + x + c;
	}
	return out;
}

// One entry as a Blob of the given type.
export async function zipEntry(blob, entry, type) {
	const loc = await bytes(blob, entry.header, entry.header + 30);
	if (loc.getUint32(0, true) !== LOC)
		throw new Error('zip: bad local header');
	const start = entry.header + 30 + loc.getUint16(26, true) + loc.getUint16(28, true);
	const raw = blob.slice(start, start + entry.csize);
	if (entry.method === 0)
		return new Blob([raw], { type });
	const out = await new Response(raw.stream().pipeThrough(new DecompressionStream('deflate-raw'))).blob();
	if (out.size !== entry.size)
		throw new Error('zip: size differs');
	return new Blob([out], { type });
}
