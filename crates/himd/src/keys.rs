//! The keys and MACs of Hi-MD audio (fact sheet ../shared/reference/himd.md §2): the EKB root,
//! the track → fragment → block key chain, track MACs, the integrity check value (ICV) over
//! the MAC list, the session MACs, and the MP3 scrambling key.
//!
//! DES and the retail MAC are the ones the NetMD session uses (`netmd::crypto`).

use des::TdesEde2;
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use netmd::crypto::{CbcDecryptor, CbcEncryptor, CryptoError, des_ecb_encrypt, retail_mac};

/// The EKB every Hi-MD disc uses, and its root key (public: libhimd, himd-js).
pub const EKB_ID: u32 = 0x0001_0012;
pub const EKB_ROOT: [u8; 16] = [
    0xf5, 0x1e, 0xcb, 0x2a, 0x80, 0x8f, 0x15, 0xfd, 0x54, 0x2e, 0xf5, 0x12, 0x3b, 0xcd, 0xbc, 0xa4,
];

fn tdes() -> TdesEde2 {
    TdesEde2::new(GenericArray::from_slice(&EKB_ROOT))
}

/// 3DES-ECB decryption under the EKB root, 8 bytes at a time.
fn unwrap_blocks<const N: usize>(wrapped: [u8; N]) -> [u8; N] {
    let cipher = tdes();
    let mut out = wrapped;
    for block in out.chunks_exact_mut(8) {
        cipher.decrypt_block(GenericArray::from_mut_slice(block));
    }
    out
}

/// The track key from the wrapped key in the track entry.
pub fn unwrap_track_key(wrapped: [u8; 8]) -> [u8; 8] {
    unwrap_blocks(wrapped)
}

/// What goes into a track entry for track key `key`.
pub fn wrap_track_key(key: [u8; 8]) -> [u8; 8] {
    let mut out = GenericArray::from(key);
    tdes().encrypt_block(&mut out);
    out.into()
}

/// The head or body key of the MAC list, unwrapped.
pub fn unwrap_list_key(wrapped: [u8; 16]) -> [u8; 16] {
    unwrap_blocks(wrapped)
}

/// The key of one fragment.
pub fn fragment_key(track_key: [u8; 8], fragment_key: [u8; 8]) -> [u8; 8] {
    std::array::from_fn(|i| track_key[i] ^ fragment_key[i])
}

/// The DES key of one block, from its fragment key and the seed in the block header.
pub fn block_key(fragment_key: [u8; 8], seed: [u8; 8]) -> [u8; 8] {
    des_ecb_encrypt(&fragment_key, seed)
}

/// Decrypts a block's audio area in place.
pub fn decrypt_audio(block_key: [u8; 8], iv: [u8; 8], audio: &mut [u8]) -> Result<(), CryptoError> {
    CbcDecryptor::new(&block_key, iv).decrypt(audio)
}

/// Encrypts a block's audio area in place.
pub fn encrypt_audio(block_key: [u8; 8], iv: [u8; 8], audio: &mut [u8]) -> Result<(), CryptoError> {
    CbcEncryptor::new(&block_key, iv).encrypt(audio)
}

/// The last 8 bytes of DES-CBC over `data` with a zero IV.
fn cbc_mac(key: [u8; 8], data: &[u8]) -> Result<[u8; 8], CryptoError> {
    let mut buf = data.to_vec();
    CbcEncryptor::new(&key, [0; 8]).encrypt(&mut buf)?;
    let tail = buf.len().checked_sub(8).ok_or(CryptoError::NotBlocks(0))?;
    let mut mac = [0u8; 8];
    mac.copy_from_slice(&buf[tail..]);
    Ok(mac)
}

/// The MAC of a track: over bytes +40..+80 of its entry, keyed by its track key.
pub fn track_mac(track_key: [u8; 8], covered: &[u8]) -> Result<[u8; 8], CryptoError> {
    cbc_mac(des_ecb_encrypt(&track_key, [0; 8]), covered)
}

/// The 16-byte integrity check value of a disc: a retail MAC of the header fields under the
/// head key, then one of the whole MAC table under the body key.
pub fn icv(
    generation: u32,
    disc_id: [u8; 16],
    head_key: &[u8; 16],
    body_key: &[u8; 16],
    mac_table: &[u8],
) -> Result<[u8; 16], CryptoError> {
    let mut head = [0u8; 64];
    head[..4].copy_from_slice(&generation.to_be_bytes());
    head[24..28].copy_from_slice(&EKB_ID.to_be_bytes());
    head[32..48].copy_from_slice(&disc_id);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&retail_mac(head_key, &head)?);
    out[8..].copy_from_slice(&retail_mac(body_key, mac_table)?);
    Ok(out)
}

fn mac3(a: &[u8], b: &[u8], c: &[u8]) -> Result<[u8; 8], CryptoError> {
    retail_mac(&EKB_ROOT, &[a, b, c].concat())
}

/// The device's proof in the session: over disc id ‖ host nonce ‖ device nonce.
pub fn device_mac(
    disc_id: &[u8; 16],
    host_nonce: &[u8; 8],
    device_nonce: &[u8; 8],
) -> Result<[u8; 8], CryptoError> {
    mac3(disc_id, host_nonce, device_nonce)
}

/// The host's proof: over disc id ‖ device nonce ‖ host nonce.
pub fn host_mac(
    disc_id: &[u8; 16],
    host_nonce: &[u8; 8],
    device_nonce: &[u8; 8],
) -> Result<[u8; 8], CryptoError> {
    mac3(disc_id, device_nonce, host_nonce)
}

/// The session key both sides derive once the MACs are exchanged.
pub fn session_key(
    disc_id: &[u8; 16],
    device_mac: &[u8; 8],
    host_mac: &[u8; 8],
) -> Result<[u8; 8], CryptoError> {
    mac3(disc_id, device_mac, host_mac)
}

/// The MAC that carries an ICV over SCSI: over its 8-byte header and the 16-byte value.
pub fn icv_mac(
    session_key: [u8; 8],
    header: &[u8; 8],
    icv: &[u8; 16],
) -> Result<[u8; 8], CryptoError> {
    cbc_mac(session_key, &[&header[..], &icv[..]].concat())
}

/// The 4-byte XOR key of an MP3 track; it depends on the track's slot.
pub fn mp3_key(slot: u16, disc_id: &[u8; 16]) -> [u8; 4] {
    let seed = u32::from(slot)
        .wrapping_mul(0x6953_B2ED)
        .wrapping_add(0x006B_AAB1);
    let id = u32::from_be_bytes([disc_id[12], disc_id[13], disc_id[14], disc_id[15]]);
    (seed ^ id).to_be_bytes()
}

/// XORs the first `len & !7` bytes of `data` with `key`; the short tail stays clear. The same
/// call scrambles and unscrambles.
pub fn scramble_mp3(key: [u8; 4], data: &mut [u8], len: usize) {
    let n = (len & !7).min(data.len());
    for (i, b) in data[..n].iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let v = netmd::bytes::from_hex(s).expect("test hex");
        v.try_into().expect("test hex length")
    }

    #[test]
    fn session_vectors_from_the_fact_sheet() {
        let disc: [u8; 16] = hex("02000000000006122102000000722751");
        let host: [u8; 8] = hex("be9ae112ab975bba");
        let dev: [u8; 8] = hex("8a6e4c993194dfca");
        let dmac = device_mac(&disc, &host, &dev).unwrap();
        assert_eq!(dmac, hex::<8>("408ed62caf74ec19"));
        let hmac = host_mac(&disc, &host, &dev).unwrap();
        assert_eq!(hmac, hex::<8>("90ec3e0ffd4a2037"));
        assert_eq!(
            session_key(&disc, &dmac, &hmac).unwrap(),
            hex::<8>("3bf281418cdd98ac")
        );
    }

    #[test]
    fn track_keys_wrap_and_unwrap() {
        let key = hex::<8>("0123456789abcdef");
        assert_eq!(unwrap_track_key(wrap_track_key(key)), key);
        assert_ne!(wrap_track_key(key), key);
    }

    #[test]
    fn mp3_key_of_the_sample_disc() {
        // himdcli's "mp3key 4" on the sample disc (tests/fixtures/himd/himdcli/mp3key-4.txt).
        let disc: [u8; 16] = hex("02020000020001175D760000973C72CF");
        assert_eq!(mp3_key(4, &disc), hex::<4>("328604aa"));
    }

    #[test]
    fn mp3_scrambling_leaves_the_tail_clear() {
        let mut data = [0u8; 12];
        scramble_mp3([1, 2, 3, 4], &mut data, 11);
        assert_eq!(data, [1, 2, 3, 4, 1, 2, 3, 4, 0, 0, 0, 0]);
        scramble_mp3([1, 2, 3, 4], &mut data, 11);
        assert_eq!(data, [0; 12]);
        // A length past the buffer is clamped, not a panic.
        scramble_mp3([1, 2, 3, 4], &mut data, 4000);
    }

    #[test]
    fn audio_round_trips_through_the_block_cipher() {
        let bk = block_key(fragment_key([1; 8], [2; 8]), [3; 8]);
        let mut audio = (0..64u8).collect::<Vec<_>>();
        encrypt_audio(bk, [0; 8], &mut audio).unwrap();
        assert_ne!(audio[..8], [0, 1, 2, 3, 4, 5, 6, 7]);
        decrypt_audio(bk, [0; 8], &mut audio).unwrap();
        assert_eq!(audio, (0..64u8).collect::<Vec<_>>());
        assert!(decrypt_audio(bk, [0; 8], &mut [0u8; 7]).is_err());
    }
}
