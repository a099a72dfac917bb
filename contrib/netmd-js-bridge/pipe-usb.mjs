// A WebUSB-like device backed by `ministage device serve`: each WebUSB call becomes one JSON
// line on the child's standard input, and its answer one line on its standard output (the
// protocol is described in crates/netmd/src/virtual_deck/pipe.rs and the README). NetMD
// clients written for WebUSB, such as netmd-js, take it for a recorder.
//
//   const device = await openPipeDevice('ministage', ['--device', 'virtual:disc.json', 'device', 'serve']);
//   const md = await openNewDevice(new PipeUSB(device));   // netmd-js
//   …
//   await device.shutdown();                                // ends the server cleanly

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// WebUSB hands out fresh ArrayBuffers: netmd-js reads `result.data.buffer` whole, so a view
// into a shared (pooled) buffer would hand it other bytes too.
function viewOf(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    bytes.set(Buffer.from(hex, 'hex'));
    return new DataView(bytes.buffer);
}

function hexOf(source) {
    if (source === undefined || source === null) {
        return '';
    }
    const bytes = ArrayBuffer.isView(source)
        ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
        : new Uint8Array(source);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

// WebUSB's results of an OUT and an IN transfer.
const written = (answer) => ({ status: 'ok', bytesWritten: answer.bytesWritten });
const received = (answer) => ({ status: 'ok', data: viewOf(answer.data) });

// What WebUSB throws when the device went away or a call cannot be made.
function networkError(message) {
    return new DOMException(message, 'NetworkError');
}

export class PipeDevice {
    constructor(child) {
        this.child = child;
        this.opened = false;
        this.waiting = [];
        this.exited = new Promise((resolve) => {
            child.on('exit', (code, signal) => {
                this.exitCode = code ?? signal;
                for (const w of this.waiting.splice(0)) {
                    w.reject(networkError(`ministage device serve exited (${this.exitCode})`));
                }
                resolve(this.exitCode);
            });
        });
        createInterface({ input: child.stdout }).on('line', (line) => {
            const w = this.waiting.shift();
            if (!w) {
                return;
            }
            try {
                w.resolve(JSON.parse(line));
            } catch (e) {
                w.reject(networkError(`unreadable answer ${JSON.stringify(line)}: ${e}`));
            }
        });
        // Without this, writing to a server that has exited would kill node with EPIPE.
        child.stdin.on('error', () => {});
    }

    // One call: a request line out, its answer line in (answers come in request order).
    call(request) {
        if (this.exitCode !== undefined) {
            return Promise.reject(networkError('ministage device serve is not running'));
        }
        return new Promise((resolve, reject) => {
            this.waiting.push({ resolve, reject });
            this.child.stdin.write(JSON.stringify(request) + '\n');
        });
    }

    // A call whose `ok:false` answer becomes the error WebUSB would throw.
    async must(request) {
        const answer = await this.call(request);
        if (!answer.ok) {
            throw networkError(`${request.op}: ${answer.error}: ${answer.message}`);
        }
        return answer;
    }

    async describe() {
        const d = await this.must({ op: 'describe' });
        this.vendorId = d.vendorId;
        this.productId = d.productId;
        this.productName = d.productName;
        this.manufacturerName = 'ministage';
        this.configuration = { configurationValue: 1 };
        return d;
    }

    async open() {
        await this.must({ op: 'open' });
        this.opened = true;
    }

    async close() {
        await this.must({ op: 'close' });
        this.opened = false;
    }

    async selectConfiguration(configurationValue) {
        await this.must({ op: 'selectConfiguration', configurationValue });
    }

    async claimInterface(interfaceNumber) {
        await this.must({ op: 'claimInterface', interfaceNumber });
    }

    async releaseInterface(interfaceNumber) {
        await this.must({ op: 'releaseInterface', interfaceNumber });
    }

    async reset() {
        await this.must({ op: 'reset' });
    }

    // A stall is a status in WebUSB, not an exception; a lost device or a timeout throws.
    async transfer(request, shape) {
        const answer = await this.call(request);
        if (answer.ok) {
            return shape(answer);
        }
        if (answer.error === 'stall') {
            return { status: 'stall' };
        }
        throw networkError(`${request.op}: ${answer.error}: ${answer.message}`);
    }

    controlTransferOut(setup, data) {
        return this.transfer({ op: 'controlOut', setup, data: hexOf(data) }, written);
    }

    controlTransferIn(setup, length) {
        return this.transfer({ op: 'controlIn', setup, length }, received);
    }

    transferOut(endpoint, data) {
        return this.transfer({ op: 'bulkOut', endpoint, data: hexOf(data) }, written);
    }

    transferIn(endpoint, length) {
        return this.transfer({ op: 'bulkIn', endpoint, length }, received);
    }

    // Ends the server's input and waits for it to exit; returns its exit code.
    async shutdown() {
        this.child.stdin.end();
        return this.exited;
    }
}

// Starts `command args…` (a `ministage … device serve`) and reads what it serves.
export async function openPipeDevice(command, args, options = {}) {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], ...options });
    const device = new PipeDevice(child);
    await device.describe();
    return device;
}

// The part of `navigator.usb` that netmd-js's openNewDevice / openPairedDevice use.
export class PipeUSB {
    constructor(device) {
        this.device = device;
    }

    async requestDevice() {
        return this.device;
    }

    async getDevices() {
        return [this.device];
    }
}
