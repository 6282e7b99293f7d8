// recorder.js: the camera and microphone for the video identification:
// getUserMedia (video and audio), MediaRecorder (WebM where the browser
// has it, MP4 otherwise: the server takes both), still frames (canvas ->
// JPEG) and what the browser says about the devices (their labels go
// with the evidence).

// Why the camera could not be opened, as an i18n key.
function cameraError(e) {
	switch (e && e.name) {
	case 'NotAllowedError':
	case 'SecurityError':
		return 'idv.cam_denied';
	case 'NotFoundError':
	case 'OverconstrainedError':
		return 'idv.cam_missing';
	case 'NotReadableError':
	case 'AbortError':
		return 'idv.cam_busy';
	default:
		return 'idv.cam_failed';
	}
}

export function canRecord() {
	return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

// -> MediaStream; throws {key} (an i18n key saying what to do).
export async function openCamera() {
	if (!canRecord())
		throw { key: 'idv.cam_unsupported' };
	try {
		return await navigator.mediaDevices.getUserMedia({
			video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
			audio: { echoCancellation: true, noiseSuppression: true },
		});
	} catch (e) {
		throw { key: cameraError(e), name: e && e.name };
	}
}

export function closeCamera(stream) {
	if (stream)
		for (const tr of stream.getTracks())
			tr.stop();
}

// The labels the browser gives the devices (empty before permission).
export function deviceLabels(stream) {
	const v = stream.getVideoTracks()[0];
	const a = stream.getAudioTracks()[0];
	return { camera: v ? v.label : '', microphone: a ? a.label : '' };
}

const TYPES = ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4'];

// The recording of a stream: start(), elapsed() in ms, stop() ->
// {blob, type} with type as the server takes it (no codecs).
export class Recording {
	constructor(stream) {
		const mimeType = TYPES.find((x) => MediaRecorder.isTypeSupported(x));
		// 1.5 Mbit/s: the document's text must stay legible.
		this.rec = new MediaRecorder(stream, mimeType
		    ? { mimeType, videoBitsPerSecond: 1500000 } : { videoBitsPerSecond: 1500000 });
		this.chunks = [];
		this.rec.addEventListener('dataavailable', (ev) => {
			if (ev.data && ev.data.size)
				this.chunks.push(ev.data);
		});
		this.t0 = 0;
		this.t1 = 0;
	}
	start() {
		this.rec.start(1000);
		this.t0 = performance.now();
	}
	elapsed() {
		return this.t0 ? Math.round((this.t1 || performance.now()) - this.t0) : 0;
	}
	get recording() {
		return this.rec.state === 'recording';
	}
	stop() {
		return new Promise((resolve) => {
			const done = () => {
				const type = (this.rec.mimeType || 'video/webm').split(';')[0].trim();
				resolve({ blob: new Blob(this.chunks, { type }), type });
			};
			if (this.rec.state === 'inactive') {
				done();
				return;
			}
			this.rec.addEventListener('stop', done, { once: true });
			this.t1 = performance.now();
			this.rec.stop();
		});
	}
}

// A still frame of the video element as JPEG -> Blob (null when the
// camera gives no picture yet).
export function frame(video) {
	const w = video.videoWidth, hgt = video.videoHeight;
	if (!w || !hgt)
		return Promise.resolve(null);
	const c = document.createElement('canvas');
	c.width = w;
	c.height = hgt;
	c.getContext('2d').drawImage(video, 0, 0, w, hgt);
	return new Promise((resolve) => c.toBlob((b) => resolve(b), 'image/jpeg', 0.92));
}
