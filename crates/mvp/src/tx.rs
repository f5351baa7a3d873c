//! MVP transactions on the wire: positions, the signed transaction, leaf values and confirmations.
//!
//! - [`UtxoPos`]: `blknum * 1e9 + txindex * 1e4 + oindex`, with `txindex < 65,536`, `oindex ≤ 1`
//!   and a deposit block's single output at `depositBlknum * 1e9`.
//! - [`Transaction`] (the artifact's struct, from [`crate::abi`]) and [`TransactionExt`]: its
//!   192-byte ABI codec ([`TransactionExt::encode`], [`TransactionExt::decode`]) and its hash under
//!   a [`Domain`].
//! - [`SignedTx`]: the transaction, one optional signature per input slot and, per input slot, the
//!   confirmations of the transaction that created that input ([`ParentConfirmations`]); its leaf
//!   value `keccak256(txHash ‖ sig0 ‖ sig1)` (an absent signature is 65 zero bytes; the parent
//!   confirmations are block data, not committed by the root) and its 582-byte wire form
//!   `abi(tx) ‖ sig0 ‖ sig1 ‖ parent confirmations`.
//! - [`Confirmation`] and [`confirmation_digest`]: the EIP-712 digest of
//!   `Confirmation(bytes32 txHash,bytes32 blockRoot)`.
//!
//! Decoding is strict: wrong lengths, non-canonical ABI words (dirty address padding) and
//! signatures with a bad `v` are errors, never panics.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolStruct, SolValue, sol};
use plasma_core::{BlockNumber, Domain, Signature, SigningKey};
use serde::{Deserialize, Serialize};

pub use crate::abi::Transaction;
use crate::error::{Invalidity, MvpError, Result};
pub use crate::position::{Position, PositionRules};

sol! {
    /// A confirmation: the owner of an input acknowledges that the transaction `txHash` was
    /// included in the block with root `blockRoot`. In no contract ABI (`MvpExitGame` only hashes
    /// it, by hand), so declared here rather than generated from the artifact.
    #[allow(missing_docs)]
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Confirmation {
        bytes32 txHash;
        bytes32 blockRoot;
    }
}

pub use crate::position::{BLOCK_OFFSET, TX_OFFSET};

/// Maximum number of transactions in a block (the depth-16 tree): transaction indexes are below it.
pub const MAX_TXS_PER_BLOCK: usize = plasma_core::merkle::binary::CAPACITY;

/// Length of a signature on the wire.
pub const SIG_LEN: usize = plasma_core::eip712::SIGNATURE_LEN;

/// Length of `sigs` and `confirmSigs`: one 65-byte slot per input.
pub const SIG_PAIR_LEN: usize = 2 * SIG_LEN;

/// Length of the ABI encoding of a [`Transaction`]: six 32-byte words.
pub const TX_LEN: usize = 6 * 32;

/// Length of the parent confirmations on the wire: one signature pair per input slot (260 bytes).
pub const PARENT_CONFIRMATIONS_LEN: usize = 2 * SIG_PAIR_LEN;

/// Length of a [`SignedTx`] on the wire: the transaction, both signature slots, then the parent
/// confirmations of both input slots (192 + 130 + 260 = 582 bytes).
pub const SIGNED_TX_LEN: usize = TX_LEN + SIG_PAIR_LEN + PARENT_CONFIRMATIONS_LEN;

/// The parent confirmations of a transaction: for input slot `i`, `[i][j]` is the confirmation,
/// by the signer of input slot `j` of the transaction that created input `i`, of that transaction
/// in its block (`Confirmation(creatingTxHash, creatingBlockRoot)`). `None` for an absent input, a
/// deposit input and an absent input slot of the creating transaction.
pub type ParentConfirmations = [[Option<Signature>; 2]; 2];

/// The position of an output (see [`Position`]): `txindex < 65,536`, `oindex ≤ 1`, and an output
/// of a deposit block at `txindex = oindex = 0`.
pub type UtxoPos = Position<MvpPositions>;

/// MVP's [`PositionRules`]: two outputs per transaction, errors as [`MvpError`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MvpPositions;

impl PositionRules for MvpPositions {
    const OUTPUTS: u8 = 2;
    const OINDEX_RULE: &'static str = "oindex must be 0 or 1";
    type Error = MvpError;

    fn invalid(value: U256, reason: &'static str) -> MvpError {
        MvpError::InvalidUtxoPos { value, reason }
    }

    fn not_deposit_block(blknum: BlockNumber) -> MvpError {
        MvpError::NotDepositBlock(blknum)
    }

    fn not_child_block(blknum: BlockNumber) -> MvpError {
        MvpError::NotChildBlock(blknum)
    }
}

impl UtxoPos {
    /// The id the framework flags once the output is paid: `bytes32(utxoPos)`.
    #[must_use]
    pub fn output_id(&self) -> B256 {
        B256::from(self.encode())
    }
}

/// One output: who owns how much.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Output {
    /// The owner, who signs to spend it.
    pub owner: Address,
    /// Amount in wei.
    pub amount: U256,
}

impl Output {
    /// `amount` wei owned by `owner`.
    #[must_use]
    pub const fn new(owner: Address, amount: U256) -> Self {
        Self { owner, amount }
    }
}

/// What Plasma MVP adds to the ABI's [`Transaction`] (generated in `plasma-abi`, hence a trait:
/// bring it into scope to call `Transaction::payment`, `tx.hash(domain)` and the rest).
pub trait TransactionExt: Sized {
    /// A payment spending `input0` (and `input1` if any) into `output0` (and `output1` if any).
    /// Builds the struct only; validity is checked by whoever receives it.
    #[must_use]
    fn payment(input0: UtxoPos, input1: Option<UtxoPos>, output0: Output, output1: Option<Output>) -> Self;

    /// The 192-byte ABI encoding (`abi.encode(tx)`: six words, the struct is static).
    #[must_use]
    fn encode(&self) -> Vec<u8>;

    /// Parses exactly [`TX_LEN`] bytes of canonical ABI encoding. Any other length, or an address
    /// word with non-zero padding, is [`MvpError::Decode`].
    fn decode(bytes: &[u8]) -> Result<Self>;

    /// `txHash`: the EIP-712 digest of the transaction under `domain`.
    #[must_use]
    fn hash(&self, domain: &Domain) -> B256;

    /// `hashStruct(tx)`: `keccak256(typeHash ‖ input0 ‖ input1 ‖ owner0 ‖ amount0 ‖ owner1 ‖
    /// amount1)`, each field one 32-byte word: what `alloy_sol_types::SolStruct::eip712_hash_struct`
    /// computes, without allocating and with the type hash computed once per process (it is on the
    /// operator's hot path).
    #[must_use]
    fn struct_hash(&self) -> B256;

    /// The input positions: slot 0 always (error if zero or invalid), slot 1 when non-zero.
    fn inputs(&self) -> Result<[Option<UtxoPos>; 2], Invalidity>;

    /// Both output slots as written (an absent second output is `(0x0, 0)`).
    #[must_use]
    fn outputs(&self) -> [Output; 2];

    /// Output `oindex` if it carries value (`amount > 0`); `None` for an absent or empty output or
    /// `oindex > 1`.
    #[must_use]
    fn output(&self, oindex: u8) -> Option<Output>;
}

impl TransactionExt for Transaction {
    fn payment(input0: UtxoPos, input1: Option<UtxoPos>, output0: Output, output1: Option<Output>) -> Self {
        let output1 = output1.unwrap_or_default();
        Self {
            input0: input0.encode(),
            input1: input1.map_or(U256::ZERO, |p| p.encode()),
            owner0: output0.owner,
            amount0: output0.amount,
            owner1: output1.owner,
            amount1: output1.amount,
        }
    }

    fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != TX_LEN {
            return Err(MvpError::Decode {
                what: "transaction",
                reason: format!("{} bytes, expected {TX_LEN}", bytes.len()),
            });
        }
        let tx = <Self as SolValue>::abi_decode(bytes)
            .map_err(|e| MvpError::Decode { what: "transaction", reason: e.to_string() })?;
        if tx.abi_encode() != bytes {
            return Err(MvpError::Decode { what: "transaction", reason: "non-canonical encoding".into() });
        }
        Ok(tx)
    }

    fn hash(&self, domain: &Domain) -> B256 {
        domain.digest(self.struct_hash())
    }

    fn struct_hash(&self) -> B256 {
        static TYPE_HASH: LazyLock<B256> = LazyLock::new(|| keccak256(Transaction::eip712_encode_type().as_bytes()));
        let mut buf = [0u8; 7 * 32];
        let mut words = buf.chunks_exact_mut(32);
        let mut put = |bytes: &[u8]| {
            if let Some(word) = words.next() {
                word[32 - bytes.len()..].copy_from_slice(bytes);
            }
        };
        put(TYPE_HASH.as_slice());
        put(&self.input0.to_be_bytes::<32>());
        put(&self.input1.to_be_bytes::<32>());
        put(self.owner0.as_slice());
        put(&self.amount0.to_be_bytes::<32>());
        put(self.owner1.as_slice());
        put(&self.amount1.to_be_bytes::<32>());
        keccak256(buf)
    }

    fn inputs(&self) -> Result<[Option<UtxoPos>; 2], Invalidity> {
        if self.input0.is_zero() {
            return Err(Invalidity::ZeroFirstInput);
        }
        let decode =
            |slot: u8, value: U256| UtxoPos::decode(value).map_err(|_| Invalidity::BadPosition { slot, value });
        let input0 = decode(0, self.input0)?;
        let input1 = if self.input1.is_zero() { None } else { Some(decode(1, self.input1)?) };
        Ok([Some(input0), input1])
    }

    fn outputs(&self) -> [Output; 2] {
        [Output { owner: self.owner0, amount: self.amount0 }, Output { owner: self.owner1, amount: self.amount1 }]
    }

    fn output(&self, oindex: u8) -> Option<Output> {
        let outputs = self.outputs();
        outputs.get(usize::from(oindex)).copied().filter(|o| !o.amount.is_zero())
    }
}

/// Encodes a signature pair (`sigs` or `confirmSigs`): 130 bytes, 65 zero bytes for `None`.
#[must_use]
pub fn encode_sig_pair(sigs: &[Option<Signature>; 2]) -> [u8; SIG_PAIR_LEN] {
    let mut out = [0u8; SIG_PAIR_LEN];
    for (chunk, sig) in out.chunks_exact_mut(SIG_LEN).zip(sigs) {
        if let Some(sig) = sig {
            chunk.copy_from_slice(&sig.to_bytes());
        }
    }
    out
}

/// Parses a signature pair: exactly 130 bytes; a slot of 65 zero bytes is `None`, any other slot
/// must parse as a [`Signature`] (65 bytes, `v ∈ {27, 28}`).
pub fn decode_sig_pair(bytes: &[u8]) -> Result<[Option<Signature>; 2]> {
    if bytes.len() != SIG_PAIR_LEN {
        return Err(MvpError::Decode {
            what: "signature pair",
            reason: format!("{} bytes, expected {SIG_PAIR_LEN}", bytes.len()),
        });
    }
    let mut out = [None; 2];
    for (slot, chunk) in out.iter_mut().zip(bytes.chunks_exact(SIG_LEN)) {
        if chunk.iter().any(|b| *b != 0) {
            *slot = Some(Signature::from_bytes(chunk)?);
        }
    }
    Ok(out)
}

/// The EIP-712 digest of `Confirmation(txHash, blockRoot)` under `domain`: what an input's owner
/// signs once the transaction `tx_hash` is included in the block with root `block_root`.
#[must_use]
pub fn confirmation_digest(domain: &Domain, tx_hash: B256, block_root: B256) -> B256 {
    domain.hash_typed(&Confirmation { txHash: tx_hash, blockRoot: block_root })
}

/// A transaction with one optional signature per input slot, and the confirmations of the
/// transactions that created its inputs.
///
/// The parent confirmations travel with the transaction in the block data (the watchers learn
/// them there: the sybil self-transfer drain fix of protocols.md 1.3) but are not part of the leaf,
/// so the block root, the transaction hash and the exit game ignore them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedTx {
    /// The transaction.
    pub tx: Transaction,
    /// Signature over `txHash` by the owner of each input; `None` for an absent input.
    pub sigs: [Option<Signature>; 2],
    /// Per input slot, the confirmations of the transaction that created that input (see
    /// [`ParentConfirmations`]); all `None` for a deposit input or an absent input.
    pub parent_confirmations: ParentConfirmations,
}

impl SignedTx {
    /// Wraps an already signed transaction, without parent confirmations (see
    /// [`SignedTx::with_parent_confirmations`]).
    #[must_use]
    pub const fn new(tx: Transaction, sigs: [Option<Signature>; 2]) -> Self {
        Self { tx, sigs, parent_confirmations: [[None; 2]; 2] }
    }

    /// Signs `tx` under `domain`: `keys[i]` signs slot `i` (pass `None` for an absent input). The
    /// result carries no parent confirmations: enough for deposit inputs only (see
    /// [`SignedTx::with_parent_confirmations`]).
    #[must_use]
    pub fn sign(tx: Transaction, domain: &Domain, keys: [Option<&SigningKey>; 2]) -> Self {
        let hash = tx.hash(domain);
        let sigs = keys.map(|key| key.map(|k| k.sign_digest(hash)));
        Self::new(tx, sigs)
    }

    /// The same transaction carrying `parent_confirmations` (the signatures and the hash are
    /// unchanged).
    #[must_use]
    pub const fn with_parent_confirmations(mut self, parent_confirmations: ParentConfirmations) -> Self {
        self.parent_confirmations = parent_confirmations;
        self
    }

    /// The same transaction without parent confirmations: what an exit needs of it.
    #[must_use]
    pub fn without_parent_confirmations(&self) -> Self {
        Self::new(self.tx.clone(), self.sigs)
    }

    /// `txHash`: the EIP-712 digest of the transaction under `domain`.
    #[must_use]
    pub fn tx_hash(&self, domain: &Domain) -> B256 {
        self.tx.hash(domain)
    }

    /// `sigs`: 130 bytes, `sig0 ‖ sig1`, 65 zero bytes for an absent signature.
    #[must_use]
    pub fn sigs_bytes(&self) -> [u8; SIG_PAIR_LEN] {
        encode_sig_pair(&self.sigs)
    }

    /// The parent confirmations on the wire: 260 bytes, the pair of input slot 0 then that of slot
    /// 1, 65 zero bytes for an absent signature.
    #[must_use]
    pub fn parent_confirmations_bytes(&self) -> [u8; PARENT_CONFIRMATIONS_LEN] {
        let mut out = [0u8; PARENT_CONFIRMATIONS_LEN];
        for (chunk, pair) in out.chunks_exact_mut(SIG_PAIR_LEN).zip(&self.parent_confirmations) {
            chunk.copy_from_slice(&encode_sig_pair(pair));
        }
        out
    }

    /// The leaf value in the block tree: `keccak256(txHash ‖ sigs)` (162 bytes hashed). The parent
    /// confirmations are not part of it.
    #[must_use]
    pub fn leaf(&self, domain: &Domain) -> B256 {
        self.leaf_with_hash(self.tx_hash(domain))
    }

    /// [`SignedTx::leaf`] for a caller that already holds `tx_hash`.
    #[must_use]
    pub fn leaf_with_hash(&self, tx_hash: B256) -> B256 {
        let mut buf = [0u8; 32 + SIG_PAIR_LEN];
        buf[..32].copy_from_slice(tx_hash.as_slice());
        buf[32..].copy_from_slice(&self.sigs_bytes());
        keccak256(buf)
    }

    /// The 582-byte wire form: `abi.encode(tx) ‖ sig0 ‖ sig1 ‖ parent confirmations` (the parent
    /// confirmations as [`SignedTx::parent_confirmations_bytes`]).
    #[must_use]
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::with_capacity(SIGNED_TX_LEN);
        out.extend_from_slice(&self.tx.encode());
        out.extend_from_slice(&self.sigs_bytes());
        out.extend_from_slice(&self.parent_confirmations_bytes());
        Bytes::from(out)
    }

    /// Parses the wire form of [`SignedTx::encode`]: exactly [`SIGNED_TX_LEN`] bytes, a canonical
    /// transaction and every 65-byte slot either all zero or a signature with `v ∈ {27, 28}`;
    /// [`MvpError::Decode`] (or a signature error) for anything else. Whether the parent
    /// confirmations are the right ones is a validity question ([`crate::ledger::Ledger::check`]).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != SIGNED_TX_LEN {
            return Err(MvpError::Decode {
                what: "signed transaction",
                reason: format!("{} bytes, expected {SIGNED_TX_LEN}", bytes.len()),
            });
        }
        let (tx, rest) = bytes.split_at(TX_LEN);
        let (sigs, parents) = rest.split_at(SIG_PAIR_LEN);
        let (parent0, parent1) = parents.split_at(SIG_PAIR_LEN);
        Ok(Self {
            tx: Transaction::decode(tx)?,
            sigs: decode_sig_pair(sigs)?,
            parent_confirmations: [decode_sig_pair(parent0)?, decode_sig_pair(parent1)?],
        })
    }

    /// Size on the wire, for metrics: always [`SIGNED_TX_LEN`] (582) bytes.
    #[must_use]
    pub const fn size(&self) -> usize {
        SIGNED_TX_LEN
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, uint};
    use alloy_sol_types::SolStruct;
    use rstest::rstest;

    use super::*;
    use plasma_testkit::{domain, key};

    fn sample_tx() -> Transaction {
        Transaction {
            input0: uint!(1_000_000_000_U256),
            input1: uint!(2_000_000_030_001_U256),
            owner0: address!("0x1111111111111111111111111111111111111111"),
            amount0: U256::from(7),
            owner1: address!("0x2222222222222222222222222222222222222222"),
            amount1: U256::from(3),
        }
    }

    #[test]
    fn type_strings_match_the_docs() {
        assert_eq!(
            Transaction::eip712_encode_type(),
            "Transaction(uint256 input0,uint256 input1,address owner0,uint256 amount0,address owner1,uint256 amount1)"
        );
        assert_eq!(Confirmation::eip712_encode_type(), "Confirmation(bytes32 txHash,bytes32 blockRoot)");
    }

    #[test]
    fn tx_hash_is_eip712_digest() {
        let tx = sample_tx();
        let d = domain();
        let mut data = keccak256(Transaction::eip712_encode_type().as_bytes()).to_vec();
        for word in [tx.input0, tx.input1] {
            data.extend_from_slice(&word.to_be_bytes::<32>());
        }
        data.extend_from_slice(B256::left_padding_from(tx.owner0.as_slice()).as_slice());
        data.extend_from_slice(&tx.amount0.to_be_bytes::<32>());
        data.extend_from_slice(B256::left_padding_from(tx.owner1.as_slice()).as_slice());
        data.extend_from_slice(&tx.amount1.to_be_bytes::<32>());
        assert_eq!(tx.hash(&d), plasma_testkit::eip712_digest(&d, &data));
        assert_eq!(tx.hash(&d), tx.eip712_signing_hash(&d.into()));
        assert_eq!(tx.struct_hash(), tx.eip712_hash_struct());
        let extreme = Transaction {
            input0: U256::MAX,
            input1: U256::ZERO,
            owner0: Address::repeat_byte(0xff),
            amount0: U256::from(1),
            owner1: Address::ZERO,
            amount1: U256::MAX - U256::from(1),
        };
        assert_eq!(extreme.struct_hash(), extreme.eip712_hash_struct());
        assert_eq!(extreme.hash(&d), extreme.eip712_signing_hash(&d.into()));
        assert_ne!(tx.hash(&d), tx.hash(&Domain::new(1, d.verifying_contract)));
    }

    #[test]
    fn confirmation_digest_is_eip712() {
        let d = domain();
        let (h, r) = (B256::repeat_byte(1), B256::repeat_byte(2));
        let mut data = keccak256("Confirmation(bytes32 txHash,bytes32 blockRoot)").to_vec();
        data.extend_from_slice(h.as_slice());
        data.extend_from_slice(r.as_slice());
        assert_eq!(confirmation_digest(&d, h, r), d.digest(keccak256(&data)));
        assert_ne!(confirmation_digest(&d, h, r), confirmation_digest(&d, r, h));
    }

    #[test]
    fn leaf_hashes_162_bytes_with_zero_slots() {
        let d = domain();
        let alice = key("alice");
        let signed = SignedTx::sign(sample_tx(), &d, [Some(&alice), None]);
        let bytes = signed.sigs_bytes();
        assert_eq!(bytes.len(), 130);
        assert_eq!(&bytes[..65], &signed.sigs[0].unwrap().to_bytes());
        assert_eq!(&bytes[65..], &[0u8; 65]);
        let mut preimage = signed.tx_hash(&d).to_vec();
        preimage.extend_from_slice(&bytes);
        assert_eq!(preimage.len(), 162);
        assert_eq!(signed.leaf(&d), keccak256(&preimage));
        assert_eq!(decode_sig_pair(&bytes).unwrap(), signed.sigs);
    }

    #[test]
    fn tx_codec_round_trip_and_layout() {
        let tx = sample_tx();
        let bytes = tx.encode();
        assert_eq!(bytes.len(), TX_LEN);
        assert_eq!(&bytes[..32], &tx.input0.to_be_bytes::<32>());
        assert_eq!(&bytes[76..96], tx.owner0.as_slice());
        assert_eq!(Transaction::decode(&bytes).unwrap(), tx);

        let signed = SignedTx::sign(tx, &domain(), [Some(&key("a")), Some(&key("b"))]);
        let wire = signed.encode();
        assert_eq!(wire.len(), signed.size());
        assert_eq!(SignedTx::decode(&wire).unwrap(), signed);
    }

    /// Three confirmations of some transaction, `[1][1]` absent (only the codec looks at them).
    fn sample_parent_confirmations() -> ParentConfirmations {
        let sign = |seed| Some(key(seed).sign_digest(B256::repeat_byte(0x33)));
        [[sign("p0"), sign("p1")], [sign("p2"), None]]
    }

    #[test]
    fn signed_tx_wire_form_carries_the_parent_confirmations() {
        let d = domain();
        let bare = SignedTx::sign(sample_tx(), &d, [Some(&key("a")), Some(&key("b"))]);
        assert_eq!(bare.parent_confirmations, [[None, None], [None, None]]);
        let parents = sample_parent_confirmations();
        let signed = bare.clone().with_parent_confirmations(parents);
        let wire = signed.encode();
        assert_eq!((SIGNED_TX_LEN, PARENT_CONFIRMATIONS_LEN, wire.len(), signed.size()), (582, 260, 582, 582));
        // abi(tx) ‖ sig0 ‖ sig1 ‖ [0][0] ‖ [0][1] ‖ [1][0] ‖ [1][1], zero bytes for an absent one.
        assert_eq!(&wire[..TX_LEN], sample_tx().encode().as_slice());
        assert_eq!(&wire[TX_LEN..TX_LEN + SIG_PAIR_LEN], &signed.sigs_bytes());
        let tail = &wire[TX_LEN + SIG_PAIR_LEN..];
        for (i, expected) in parents.iter().flatten().enumerate() {
            let chunk = &tail[i * SIG_LEN..(i + 1) * SIG_LEN];
            assert_eq!(chunk, expected.map_or([0u8; SIG_LEN], |s| s.to_bytes()).as_slice(), "slot {i}");
        }
        assert_eq!(tail, signed.parent_confirmations_bytes().as_slice());
        assert_eq!(SignedTx::decode(&wire).unwrap(), signed);
        // The transaction without them still round-trips, with 260 zero bytes.
        let bare_wire = bare.encode();
        assert_eq!(bare_wire.len(), 582);
        assert!(bare_wire[TX_LEN + SIG_PAIR_LEN..].iter().all(|b| *b == 0));
        assert_eq!(SignedTx::decode(&bare_wire).unwrap(), bare);
        // Hash and leaf ignore them: the block root does not commit to them.
        assert_eq!(signed.tx_hash(&d), bare.tx_hash(&d));
        assert_eq!(signed.leaf(&d), bare.leaf(&d));
        assert_eq!(signed.without_parent_confirmations(), bare);
        assert_eq!(SignedTx::new(bare.tx.clone(), bare.sigs), bare);
    }

    #[test]
    fn signed_tx_decode_is_strict_about_parent_confirmations() {
        let signed = SignedTx::sign(sample_tx(), &domain(), [Some(&key("a")), None])
            .with_parent_confirmations(sample_parent_confirmations());
        let wire = signed.encode().to_vec();
        let parents_at = TX_LEN + SIG_PAIR_LEN;
        // The old 322-byte form, and one byte more or less, are refused.
        for len in [TX_LEN + SIG_PAIR_LEN, SIGNED_TX_LEN - 1] {
            assert!(matches!(SignedTx::decode(&wire[..len]), Err(MvpError::Decode { .. })), "{len}");
        }
        let mut longer = wire.clone();
        longer.push(0);
        assert!(matches!(SignedTx::decode(&longer), Err(MvpError::Decode { .. })));
        // A bad `v` in any parent slot.
        for slot in 0..3 {
            let mut bad_v = wire.clone();
            bad_v[parents_at + slot * SIG_LEN + 64] = 29;
            assert!(
                matches!(SignedTx::decode(&bad_v), Err(MvpError::Core(plasma_core::Error::InvalidRecoveryByte(29)))),
                "{slot}"
            );
        }
        // Junk in the absent slot [1][1] is not read as "absent".
        let mut junk = wire.clone();
        junk[SIGNED_TX_LEN - 30] = 0xff;
        assert!(SignedTx::decode(&junk).is_err());
        // What decodes re-encodes to the same bytes.
        let decoded = SignedTx::decode(&wire).unwrap();
        assert_eq!(decoded.encode().as_ref(), wire.as_slice());
    }

    #[rstest]
    #[case(0)]
    #[case(1)]
    #[case(191)]
    #[case(193)]
    #[case(322)]
    #[case(384)]
    #[case(581)]
    #[case(583)]
    fn tx_decode_rejects_wrong_lengths(#[case] len: usize) {
        assert!(matches!(Transaction::decode(&vec![0u8; len]), Err(MvpError::Decode { .. })));
        assert!(matches!(SignedTx::decode(&vec![0u8; len]), Err(MvpError::Decode { .. })));
    }

    #[test]
    fn decode_rejects_garbage() {
        // Dirty padding in an address word.
        let mut bytes = sample_tx().encode();
        bytes[64] = 1;
        assert!(matches!(Transaction::decode(&bytes), Err(MvpError::Decode { .. })));
        // Truncated signed transactions, and garbage signature slots.
        let signed = SignedTx::sign(sample_tx(), &domain(), [Some(&key("a")), None]);
        let wire = signed.encode();
        for cut in [1, 65, 130, 200] {
            assert!(SignedTx::decode(&wire[..wire.len() - cut]).is_err());
        }
        let mut bad_v = wire.to_vec();
        bad_v[TX_LEN + 64] = 29;
        assert!(matches!(SignedTx::decode(&bad_v), Err(MvpError::Core(plasma_core::Error::InvalidRecoveryByte(29)))));
        let mut junk = wire.to_vec();
        junk[TX_LEN + 100] = 0xff; // second slot no longer all zero, v = 0
        assert!(SignedTx::decode(&junk).is_err());
        for len in [0, 65, 129, 131] {
            assert!(matches!(decode_sig_pair(&vec![0u8; len]), Err(MvpError::Decode { .. })));
        }
        // Pseudo-random garbage never panics.
        let mut seed = B256::repeat_byte(0x5a);
        for len in [0usize, 17, 192, 321, 322, 323, 581, 582, 583, 1000] {
            let mut buf = Vec::new();
            while buf.len() < len {
                seed = keccak256(seed);
                buf.extend_from_slice(seed.as_slice());
            }
            buf.truncate(len);
            let _ = SignedTx::decode(&buf);
            let _ = Transaction::decode(&buf);
        }
    }

    #[rstest]
    #[case(1, 0, 0, 1_000_000_000)]
    #[case(1000, 0, 1, 1_000_000_000_001)]
    #[case(2000, 65_535, 1, 2_000_655_350_001)]
    #[case(999, 0, 0, 999_000_000_000)]
    fn utxo_pos_round_trip(#[case] blknum: u64, #[case] txindex: u64, #[case] oindex: u64, #[case] value: u128) {
        let pos = UtxoPos::new(blknum, txindex, oindex).unwrap();
        assert_eq!(pos.to_u128(), value);
        assert_eq!(pos.encode(), U256::from(value));
        assert_eq!(UtxoPos::decode(U256::from(value)).unwrap(), pos);
        assert_eq!((pos.blknum(), u64::from(pos.txindex()), u64::from(pos.oindex())), (blknum, txindex, oindex));
        assert_eq!(pos.output_id(), B256::from(U256::from(value)));
    }

    #[rstest]
    #[case(0, 0, 0)]
    #[case(1000, 65_536, 0)]
    #[case(1000, 0, 2)]
    #[case(1000, 99_999, 9_999)]
    #[case(1, 0, 1)]
    #[case(1, 1, 0)]
    fn utxo_pos_rejects(#[case] blknum: u64, #[case] txindex: u64, #[case] oindex: u64) {
        assert!(matches!(UtxoPos::new(blknum, txindex, oindex), Err(MvpError::InvalidUtxoPos { .. })));
        let raw = U256::from(blknum) * U256::from(BLOCK_OFFSET) + U256::from(txindex * TX_OFFSET + oindex);
        if txindex * TX_OFFSET + oindex < BLOCK_OFFSET {
            assert!(matches!(UtxoPos::decode(raw), Err(MvpError::InvalidUtxoPos { .. })));
        }
    }

    #[test]
    fn utxo_pos_edges() {
        // Highest block number; beyond u64 is rejected.
        let top = UtxoPos::new(u64::MAX - u64::MAX % 1000, 65_535, 1).unwrap();
        assert!(top.to_u128() < 1 << 96);
        assert_eq!(UtxoPos::decode(top.encode()).unwrap(), top);
        let beyond = U256::from(u64::MAX) * U256::from(BLOCK_OFFSET) + U256::from(BLOCK_OFFSET);
        assert!(UtxoPos::decode(beyond).is_err());
        assert!(UtxoPos::decode(U256::MAX).is_err());
        // Deposit and transaction positions.
        assert_eq!(UtxoPos::deposit(1001).unwrap().to_u128(), 1_001_000_000_000);
        assert!(UtxoPos::deposit(1001).unwrap().is_deposit());
        assert!(matches!(UtxoPos::deposit(1000), Err(MvpError::NotDepositBlock(1000))));
        assert!(matches!(UtxoPos::deposit(0), Err(MvpError::NotDepositBlock(0))));
        assert!(matches!(UtxoPos::tx(1001, 0), Err(MvpError::NotChildBlock(1001))));
        let out = UtxoPos::new(3000, 12, 1).unwrap();
        assert_eq!(out.tx_pos(), UtxoPos::tx(3000, 12).unwrap());
        assert_eq!(out.tx_pos().with_oindex(1).unwrap(), out);
        assert!(out.with_oindex(2).is_err());
        assert!(UtxoPos::new(1000, 1, 1).unwrap() < UtxoPos::new(1000, 2, 0).unwrap());
        assert_eq!(format!("{out}"), "3000/12/1");
    }

    #[test]
    fn transaction_inputs_and_outputs() {
        let tx = sample_tx();
        let [a, b] = tx.inputs().unwrap();
        assert_eq!(a, Some(UtxoPos::deposit(1).unwrap()));
        assert_eq!(b, Some(UtxoPos::new(2000, 3, 1).unwrap()));
        assert_eq!(Transaction { input0: U256::ZERO, ..tx.clone() }.inputs(), Err(Invalidity::ZeroFirstInput));
        assert_eq!(
            Transaction { input1: U256::from(5), ..tx.clone() }.inputs(),
            Err(Invalidity::BadPosition { slot: 1, value: U256::from(5) })
        );
        assert_eq!(tx.output(1).unwrap().amount, U256::from(3));
        assert_eq!(Transaction { amount1: U256::ZERO, ..tx.clone() }.output(1), None);
        assert_eq!(tx.output(2), None);
        let built = Transaction::payment(
            UtxoPos::deposit(1).unwrap(),
            Some(UtxoPos::new(2000, 3, 1).unwrap()),
            Output::new(tx.owner0, tx.amount0),
            Some(Output::new(tx.owner1, tx.amount1)),
        );
        assert_eq!(built, tx);
    }
}
