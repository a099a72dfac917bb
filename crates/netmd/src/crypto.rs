//! The cryptography of a NetMD send: the public EKB and keys, the retail MAC that gives the
//! session key, and the DES-CBC audio stream. The constants are facts from the fact sheet
//! (../shared/reference/netmd.md, "Sending a track"); every public NetMD client uses them.

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use thiserror::Error;

mod des_fast;

use des_fast::TableDes;

/// The public EKB: id, depth, key chain and signature.
pub const EKB_ID: u32 = 0x2642_2642;
pub const EKB_DEPTH: u32 = 9;
pub const EKB_CHAIN: [[u8; 16]; 2] = [
    [
        0x25, 0x45, 0x06, 0x4d, 0xea, 0xca, 0x14, 0xf9, 0x96, 0xbd, 0xc8, 0xa4, 0x06, 0xc2, 0x2b,
        0x81,
    ],
    [
        0xfb, 0x60, 0xbd, 0xdd, 0x0d, 0xbc, 0xab, 0x84, 0x8a, 0x00, 0x5e, 0x03, 0x19, 0x4d, 0x3e,
        0xda,
    ],
];
pub const EKB_SIGNATURE: [u8; 24] = [
    0x8f, 0x2b, 0xc3, 0x52, 0xe8, 0x6c, 0x5e, 0xd3, 0x06, 0xdc, 0xae, 0x18, 0xd2, 0xf3, 0x8c, 0x7f,
    0x89, 0xb5, 0xe1, 0x85, 0x55, 0xa1, 0x05, 0xea,
];
/// The root key the public EKB unlocks.
pub const ROOT_KEY: [u8; 16] = [
    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21,
];
/// The key-encryption key every public client announces in the setup.
pub const KEK: [u8; 8] = [0x14, 0xe3, 0x83, 0x4e, 0xe2, 0xd3, 0xcc, 0xa5];
pub const CONTENT_ID: [u8; 20] = [
    0x01, 0x0f, 0x50, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x48, 0xa2, 0x8d, 0x3e, 0x1a, 0x3b, 0x0c,
    0x44, 0xaf, 0x2f, 0xa0,
];
/// The setup's plaintext starts with this marker.
pub const SETUP_MARKER: [u8; 4] = [0x01, 0x01, 0x01, 0x01];

/// The bulk stream starts with `[BE64 data length][Kh][IV]`.
pub const STREAM_HEADER_BYTES: usize = 24;
pub const BLOCK: usize = 8;

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("{0} bytes cannot be encrypted: DES works on whole 8-byte blocks")]
    NotBlocks(usize),
}

/// Where nonces and track keys come from. Tests script it; everything else uses [`OsEntropy`].
pub trait Entropy: Send {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError>;

    fn bytes8(&mut self) -> Result<[u8; 8], CryptoError> {
        let mut b = [0u8; 8];
        self.fill(&mut b)?;
        Ok(b)
    }
}

/// The operating system's generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(buf).map_err(|e| CryptoError::Random(e.to_string()))
    }
}

/// Bytes handed out in order (for reproducing a trace); zeros once they run out.
#[derive(Debug, Default, Clone)]
pub struct ScriptedEntropy {
    bytes: std::collections::VecDeque<u8>,
}

impl ScriptedEntropy {
    pub fn new(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.iter().copied().collect(),
        }
    }
}

impl Entropy for ScriptedEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        for b in buf {
            *b = self.bytes.pop_front().unwrap_or(0);
        }
        Ok(())
    }
}

fn des(key: [u8; 8]) -> Des {
    Des::new(&GenericArray::from(key))
}

pub fn des_ecb_encrypt(key: &[u8; 8], block: [u8; 8]) -> [u8; 8] {
    let mut b = GenericArray::from(block);
    des(*key).encrypt_block(&mut b);
    b.into()
}

pub fn des_ecb_decrypt(key: &[u8; 8], block: [u8; 8]) -> [u8; 8] {
    let mut b = GenericArray::from(block);
    des(*key).decrypt_block(&mut b);
    b.into()
}

/// ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with a 2-key triple-DES key: single DES CBC
/// over all blocks but the last, then triple DES on the last.
pub fn retail_mac(key: &[u8; 16], message: &[u8]) -> Result<[u8; 8], CryptoError> {
    if message.is_empty() || !message.len().is_multiple_of(BLOCK) {
        return Err(CryptoError::NotBlocks(message.len()));
    }
    let mut k1 = [0u8; 8];
    k1.copy_from_slice(&key[..8]);
    let single = des(k1);
    let mut state = [0u8; 8];
    let blocks: Vec<&[u8]> = message.chunks(BLOCK).collect();
    let (last, rest) = blocks.split_last().ok_or(CryptoError::NotBlocks(0))?;
    for block in rest {
        xor_into(&mut state, block);
        let mut b = GenericArray::from(state);
        single.encrypt_block(&mut b);
        state = b.into();
    }
    xor_into(&mut state, last);
    let mut b = GenericArray::from(state);
    TdesEde2::new(GenericArray::from_slice(key)).encrypt_block(&mut b);
    Ok(b.into())
}

fn xor_into(state: &mut [u8; 8], block: &[u8]) {
    for (s, b) in state.iter_mut().zip(block) {
        *s ^= b;
    }
}

/// The session key: the retail MAC of host nonce ‖ device nonce under the root key.
pub fn session_key(host_nonce: &[u8; 8], device_nonce: &[u8; 8]) -> Result<[u8; 8], CryptoError> {
    let mut message = [0u8; 16];
    message[..8].copy_from_slice(host_nonce);
    message[8..].copy_from_slice(device_nonce);
    retail_mac(&ROOT_KEY, &message)
}

/// DES-CBC in place, the chaining value carried in `iv` so a stream can be encrypted in pieces.
///
/// This is the bulk path (a whole track of audio), so it uses the table-driven DES of the
/// private `des_fast` module; the RustCrypto `des` crate computes each round bit by bit and is
/// several times slower. `des_fast`'s tests prove the two equal.
pub struct CbcEncryptor {
    cipher: TableDes,
    iv: [u8; 8],
}

impl CbcEncryptor {
    pub fn new(key: &[u8; 8], iv: [u8; 8]) -> Self {
        Self {
            cipher: TableDes::new(*key),
            iv,
        }
    }

    pub fn encrypt(&mut self, data: &mut [u8]) -> Result<(), CryptoError> {
        if !data.len().is_multiple_of(BLOCK) {
            return Err(CryptoError::NotBlocks(data.len()));
        }
        let mut chain = u64::from_be_bytes(self.iv);
        for block in data.chunks_exact_mut(BLOCK) {
            chain = self.cipher.encrypt(read_block(block) ^ chain);
            block.copy_from_slice(&chain.to_be_bytes());
        }
        self.iv = chain.to_be_bytes();
        Ok(())
    }
}

/// A big-endian block from an 8-byte slice (as `chunks_exact` hands them out).
#[expect(
    clippy::inline_always,
    reason = "called per block in the CBC loop; the send_prepare bench measures it"
)]
#[inline(always)]
fn read_block(block: &[u8]) -> u64 {
    let mut word = [0u8; BLOCK];
    word.copy_from_slice(block);
    u64::from_be_bytes(word)
}

/// The inverse of [`CbcEncryptor`].
pub struct CbcDecryptor {
    cipher: TableDes,
    iv: [u8; 8],
}

impl CbcDecryptor {
    pub fn new(key: &[u8; 8], iv: [u8; 8]) -> Self {
        Self {
            cipher: TableDes::new(*key),
            iv,
        }
    }

    pub fn decrypt(&mut self, data: &mut [u8]) -> Result<(), CryptoError> {
        if !data.len().is_multiple_of(BLOCK) {
            return Err(CryptoError::NotBlocks(data.len()));
        }
        let mut chain = u64::from_be_bytes(self.iv);
        for block in data.chunks_exact_mut(BLOCK) {
            let cipher_block = read_block(block);
            block.copy_from_slice(&(self.cipher.decrypt(cipher_block) ^ chain).to_be_bytes());
            chain = cipher_block;
        }
        self.iv = chain.to_be_bytes();
        Ok(())
    }
}

/// DES-CBC with a zero IV, as the setup and the final reply use.
pub fn cbc_encrypt_zero_iv(key: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = data.to_vec();
    CbcEncryptor::new(key, [0; 8]).encrypt(&mut out)?;
    Ok(out)
}

pub fn cbc_decrypt_zero_iv(key: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = data.to_vec();
    CbcDecryptor::new(key, [0; 8]).decrypt(&mut out)?;
    Ok(out)
}

/// The keys of one audio stream. The data key Kd encrypts the audio; the stream carries
/// Kh = DES-decrypt(KEK, Kd), from which the recorder recovers Kd = DES-encrypt(KEK, Kh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKeys {
    pub data_key: [u8; 8],
    pub iv: [u8; 8],
}

impl StreamKeys {
    /// Fresh keys: the data key first, then the IV (the order the netmd-js trace shows).
    pub fn random(entropy: &mut dyn Entropy) -> Result<Self, CryptoError> {
        let data_key = entropy.bytes8()?;
        let iv = entropy.bytes8()?;
        Ok(Self { data_key, iv })
    }

    /// The key as the stream header carries it.
    pub fn wrapped_key(&self) -> [u8; 8] {
        des_ecb_decrypt(&KEK, self.data_key)
    }

    /// `[BE64 data length][Kh][IV]`.
    pub fn header(&self, data_len: u64) -> [u8; STREAM_HEADER_BYTES] {
        let mut h = [0u8; STREAM_HEADER_BYTES];
        h[..8].copy_from_slice(&data_len.to_be_bytes());
        h[8..16].copy_from_slice(&self.wrapped_key());
        h[16..].copy_from_slice(&self.iv);
        h
    }

    pub fn encryptor(&self) -> CbcEncryptor {
        CbcEncryptor::new(&self.data_key, self.iv)
    }
}

/// What a recorder does with the stream header: the data key from Kh.
pub fn unwrap_key(wrapped: [u8; 8], kek: &[u8; 8]) -> [u8; 8] {
    des_ecb_encrypt(kek, wrapped)
}

/// The commit MAC: DES-ECB of eight zero bytes under the session key.
pub fn commit_mac(session_key: &[u8; 8]) -> [u8; 8] {
    des_ecb_encrypt(session_key, [0; 8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::{from_hex, to_hex};

    // Values from ../shared/netmd-traces/upsp.jsonl (host nonce 80…, device nonce d0…d7).
    #[test]
    fn session_key_and_setup_match_the_netmd_js_trace() {
        let key = session_key(
            &[0x80; 8],
            &[0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7],
        )
        .unwrap();
        let mut plain = SETUP_MARKER.to_vec();
        plain.extend_from_slice(&CONTENT_ID);
        plain.extend_from_slice(&KEK);
        let setup = cbc_encrypt_zero_iv(&key, &plain).unwrap();
        assert_eq!(
            to_hex(&setup),
            "bee33f1449114a4860e2793c1846934b0685e9a72d4143b6604a4baa6d782ae3"
        );
        assert_eq!(to_hex(&commit_mac(&key)), "c6f5acf94eb2537c");
        assert_eq!(cbc_decrypt_zero_iv(&key, &setup).unwrap(), plain);
    }

    #[test]
    fn stream_key_wrapping_matches_the_trace() {
        let keys = StreamKeys {
            data_key: [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18],
            iv: [0; 8],
        };
        assert_eq!(to_hex(&keys.wrapped_key()), "e6348694bf517344");
        assert_eq!(unwrap_key(keys.wrapped_key(), &KEK), keys.data_key);
    }

    /// The bulk CBC path (table-driven DES) against RustCrypto's `cbc` over `des::Des`, on
    /// random keys, IVs and lengths, encrypted in random pieces.
    #[test]
    fn cbc_equals_rustcrypto_cbc() {
        use des::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = move || {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        for _ in 0..200 {
            let key = next().to_be_bytes();
            let iv = next().to_be_bytes();
            let blocks = (next() % 300) as usize;
            let plain: Vec<u8> = (0..blocks * BLOCK).map(|_| next() as u8).collect();

            let mut expected = plain.clone();
            let mut reference = cbc::Encryptor::<Des>::new(
                GenericArray::from_slice(&key),
                GenericArray::from_slice(&iv),
            );
            for block in expected.chunks_exact_mut(BLOCK) {
                reference.encrypt_block_mut(GenericArray::from_mut_slice(block));
            }

            let mut ours = plain.clone();
            let mut encryptor = CbcEncryptor::new(&key, iv);
            let mut rest = &mut ours[..];
            while !rest.is_empty() {
                let take = ((next() % 40) as usize * BLOCK).min(rest.len());
                let (piece, tail) = rest.split_at_mut(take);
                encryptor.encrypt(piece).unwrap();
                rest = tail;
            }
            assert_eq!(ours, expected);

            let mut reference = cbc::Decryptor::<Des>::new(
                GenericArray::from_slice(&key),
                GenericArray::from_slice(&iv),
            );
            let mut opened = expected.clone();
            for block in opened.chunks_exact_mut(BLOCK) {
                reference.decrypt_block_mut(GenericArray::from_mut_slice(block));
            }
            assert_eq!(opened, plain);
            CbcDecryptor::new(&key, iv).decrypt(&mut ours).unwrap();
            assert_eq!(ours, plain);
        }
    }

    #[test]
    fn cbc_chains_across_pieces() {
        let data: Vec<u8> = (0..64u8).collect();
        let mut whole = data.clone();
        CbcEncryptor::new(&KEK, [7; 8]).encrypt(&mut whole).unwrap();
        let mut pieces = data.clone();
        let mut e = CbcEncryptor::new(&KEK, [7; 8]);
        e.encrypt(&mut pieces[..16]).unwrap();
        e.encrypt(&mut pieces[16..]).unwrap();
        assert_eq!(whole, pieces);
        let mut d = CbcDecryptor::new(&KEK, [7; 8]);
        d.decrypt(&mut pieces[..24]).unwrap();
        d.decrypt(&mut pieces[24..]).unwrap();
        assert_eq!(pieces, data);
        assert!(
            CbcEncryptor::new(&KEK, [0; 8])
                .encrypt(&mut [0; 5])
                .is_err()
        );
        assert!(from_hex("00").is_some());
    }
}
