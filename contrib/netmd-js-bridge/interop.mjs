// netmd-js against ministage's virtual deck: a NetMD client nobody here wrote lists the demo
// disc, renames, moves and deletes tracks, and sends a WAV in SP and an ATRAC3 file in LP2
// through its own secure session. After each step, what netmd-js reads must be what
// `ministage device info --json` reads, and the audio the deck stored must be, byte for byte,
// the payload netmd-js sent. Exits non-zero at the first difference.
//
// Run it with run.sh (which installs netmd-js); by hand:
//   MINISTAGE=target/debug/ministage NETMD_JS_DIR=<dir holding node_modules/netmd-js> node interop.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { openPipeDevice, PipeUSB } from './pipe-usb.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const ministageBin = process.env.MINISTAGE ?? join(repo, 'target/debug/ministage');
const require = createRequire(join(resolve(process.env.NETMD_JS_DIR ?? here), 'package.json'));
const njs = require('netmd-js');
const { makeGetAsyncPacketIteratorOnWorkerThread } = require('netmd-js/dist/node-encrypt-worker');

const work = mkdtempSync(join(tmpdir(), 'netmd-js-interop-'));
const discPath = join(work, 'disc.json');

function ministage(...args) {
    return execFileSync(ministageBin, [...args, '--device', `virtual:${discPath}`], {
        encoding: 'utf8',
        env: { ...process.env, MINISTAGE_VIRTUAL_FAULTS: '' },
    });
}

const info = () => JSON.parse(ministage('device', 'info', '--json'));
const readDisc = () => JSON.parse(readFileSync(discPath, 'utf8'));

// netmd-js counts time in frames of 1/512 s; ministage rounds the same wire time down to
// whole milliseconds.
const framesToMs = (frames) => Math.floor((frames * 1000) / 512);
const ENCODING = { SP: njs.Encoding.sp, LP2: njs.Encoding.lp2, LP4: njs.Encoding.lp4 };

function step(name) {
    console.log(`• ${name}`);
}

// What netmd-js lists must be what ministage lists: titles, groups, lengths, encodings,
// channels, protection and capacity.
async function compareListings(md) {
    const js = await njs.listContent(md);
    const ours = info();
    assert.equal(js.title, ours.title, 'disc title');
    assert.equal(js.writeProtected, ours.write_protected, 'write protection');
    const jsTracks = njs.getTracks(js).sort((a, b) => a.index - b.index);
    assert.equal(js.trackCount, ours.tracks.length, 'track count');
    assert.equal(jsTracks.length, ours.tracks.length, 'tracks in groups');
    for (const t of ours.tracks) {
        const j = jsTracks[t.number - 1];
        const at = `track ${t.number}`;
        assert.equal(j.index, t.number - 1, at);
        assert.equal(j.title, t.title, `${at} title`);
        assert.equal(j.fullWidthTitle, t.full_width_title, `${at} full-width title`);
        assert.equal(framesToMs(j.duration), t.duration_ms, `${at} length`);
        assert.equal(j.encoding, ENCODING[t.mode], `${at} encoding`);
        assert.equal(j.channel, t.channels === 1 ? njs.Channels.mono : njs.Channels.stereo, `${at} channels`);
        assert.equal(j.protected === njs.TrackFlag.protected, t.protected, `${at} protection`);
    }
    const jsGroups = js.groups.filter((g) => g.title !== null);
    assert.equal(jsGroups.length, ours.groups.length, 'groups');
    ours.groups.forEach((g, i) => {
        assert.equal(jsGroups[i].title, g.title, `group ${i + 1} title`);
        const range = Array.from({ length: g.last - g.first + 1 }, (_, k) => g.first - 1 + k);
        assert.deepEqual(jsGroups[i].tracks.map((t) => t.index), range, `group ${i + 1} tracks`);
    });
    assert.equal(framesToMs(js.total), ours.capacity.total_ms, 'capacity: total');
    assert.equal(framesToMs(js.used), ours.capacity.used_ms, 'capacity: used');
    assert.equal(framesToMs(js.left), ours.capacity.free_ms, 'capacity: free');
    return ours;
}

// A 16-bit stereo 44.1 kHz WAV of two tones, 2.5 s: not a whole number of 2048-byte SP units,
// so netmd-js pads it.
function toneWav(path) {
    const frames = Math.round(44100 * 2.5);
    const pcm = Buffer.alloc(frames * 4);
    for (let i = 0; i < frames; i++) {
        pcm.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 44100)), i * 4);
        pcm.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * 660 * i) / 44100)), i * 4 + 2);
    }
    const header = Buffer.alloc(44);
    header.write('RIFF', 0);
    header.writeUInt32LE(36 + pcm.length, 4);
    header.write('WAVEfmt ', 8);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(2, 22);
    header.writeUInt32LE(44100, 24);
    header.writeUInt32LE(44100 * 4, 28);
    header.writeUInt16LE(4, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36);
    header.writeUInt32LE(pcm.length, 40);
    writeFileSync(path, Buffer.concat([header, pcm]));
}

// The body of a RIFF file's `data` chunk (a WAV's samples, an AT3's ATRAC3 frames).
function riffData(bytes) {
    assert.equal(bytes.toString('latin1', 0, 4), 'RIFF');
    for (let at = 12; at + 8 <= bytes.length; ) {
        const id = bytes.toString('latin1', at, at + 4);
        const size = bytes.readUInt32LE(at + 4);
        if (id === 'data') {
            return bytes.subarray(at + 8, at + 8 + size);
        }
        at += 8 + size + (size % 2);
    }
    throw new Error('no data chunk');
}

// SP goes to the recorder as big-endian PCM (Web MiniDisc converts the same way).
function bigEndian(pcm) {
    const out = Buffer.from(pcm);
    out.swap16();
    return out;
}

function padded(bytes, unit) {
    const out = Buffer.alloc(Math.ceil(bytes.length / unit) * unit);
    bytes.copy(out);
    return out;
}

// Sends `payload` with netmd-js's own secure session and encryption worker; returns the
// track's index and its UUID as netmd-js reads it back (`23` command). The UUID `download`
// itself returns is unusable: netmd-js decodes the decrypted 8 bytes as UTF-8 text.
async function send(md, title, wireformat, payload) {
    const worker = new Worker(require.resolve('netmd-js/dist/node-encrypt-worker.js'));
    try {
        const data = new Uint8Array(payload).buffer;
        const track = new njs.MDTrack(title, wireformat, data, 0x10000, '', makeGetAsyncPacketIteratorOnWorkerThread(worker));
        const [index] = await njs.download(md, track);
        const uuid = Buffer.from(await md.getTrackUUID(index), 'latin1').toString('hex');
        return { index, uuid };
    } finally {
        await worker.terminate();
    }
}

// The audio the deck stored for the track with this UUID.
function storedAudio(uuid) {
    const track = readDisc().tracks.find((t) => t.uuid === uuid.toLowerCase());
    assert.ok(track, `the deck holds a track with UUID ${uuid}`);
    assert.ok(track.audio, `track ${uuid} has stored audio`);
    return readFileSync(join(dirname(discPath), track.audio.file));
}

async function main() {
    ministage('device', 'init-virtual', '--demo', discPath);
    const device = await openPipeDevice(ministageBin, ['--device', `virtual:${discPath}`, 'device', 'serve']);
    const md = await njs.openNewDevice(new PipeUSB(device));
    assert.ok(md, 'netmd-js opened the deck');

    step('list the demo disc');
    let ours = await compareListings(md);
    assert.deepEqual(
        ours.tracks.map((t) => t.title),
        ['Morning Light', 'Cafe au lait', 'Slow River', '??ﾉ?', 'Long Drive', 'Field Recording'],
    );

    step('rename a track and the disc');
    await md.setTrackTitle(1, 'Renamed by netmd-js');
    await md.setTrackTitle(1, 'ネットＭＤ', true);
    await njs.renameDisc(md, 'netmd-js disc');
    ours = await compareListings(md);
    assert.equal(ours.tracks[1].title, 'Renamed by netmd-js');
    assert.equal(ours.tracks[1].full_width_title, 'ネットＭＤ');
    assert.equal(ours.title, 'netmd-js disc');
    assert.deepEqual(ours.groups.map((g) => g.title), ['Side A', 'ｻｲﾄﾞ B'], 'the groups survive');

    step('move a track');
    await md.moveTrack(5, 0);
    ours = await compareListings(md);
    assert.equal(ours.tracks[0].title, 'Field Recording');

    step('delete a track');
    await md.eraseTrack(1);
    ours = await compareListings(md);
    assert.deepEqual(
        ours.tracks.map((t) => t.title),
        ['Field Recording', 'Renamed by netmd-js', 'Slow River', '??ﾉ?', 'Long Drive'],
    );

    step('send a WAV in SP');
    const wavPath = join(work, 'tones.wav');
    toneWav(wavPath);
    const spPayload = bigEndian(riffData(readFileSync(wavPath)));
    const sp = await send(md, 'netmd-js SP', njs.Wireformat.pcm, spPayload);
    ours = await compareListings(md);
    assert.equal(sp.index, 5, 'the SP track went to the end');
    const spTrack = ours.tracks[sp.index];
    assert.equal(spTrack.title, 'netmd-js SP');
    assert.equal(spTrack.mode, 'SP');
    assert.equal(spTrack.channels, 2);
    const spStored = storedAudio(sp.uuid);
    assert.ok(spStored.equals(padded(spPayload, 2048)), 'the SP audio arrived byte for byte');
    console.log(`  ${spStored.length} bytes of PCM, ${spTrack.duration_ms} ms`);

    step('send an ATRAC3 file in LP2');
    const lp2Payload = riffData(readFileSync(join(repo, 'tests/fixtures/atrac/music4s_lp2.at3')));
    assert.equal(lp2Payload.length % 384, 0, 'whole LP2 frames');
    const lp2 = await send(md, 'netmd-js LP2', njs.Wireformat.lp2, lp2Payload);
    ours = await compareListings(md);
    assert.equal(lp2.index, 6);
    const lp2Track = ours.tracks[lp2.index];
    assert.equal(lp2Track.title, 'netmd-js LP2');
    assert.equal(lp2Track.mode, 'LP2');
    const lp2Stored = storedAudio(lp2.uuid);
    assert.ok(lp2Stored.equals(lp2Payload), 'the LP2 frames arrived byte for byte');
    console.log(`  ${lp2Stored.length / 384} frames, ${lp2Track.duration_ms} ms`);

    step('close');
    await md.netMd.finalize();
    assert.equal(await device.shutdown(), 0, 'ministage device serve exits cleanly');
    ours = info();
    assert.deepEqual(
        ours.tracks.map((t) => t.title),
        [
            'Field Recording',
            'Renamed by netmd-js',
            'Slow River',
            '??ﾉ?',
            'Long Drive',
            'netmd-js SP',
            'netmd-js LP2',
        ],
        'the disc file holds every change after the server ended',
    );
    console.log('netmd-js and the virtual deck agree');
}

try {
    await main();
} finally {
    if (!process.env.KEEP) {
        rmSync(work, { recursive: true, force: true });
    } else {
        console.log(`kept ${work}`);
    }
}
