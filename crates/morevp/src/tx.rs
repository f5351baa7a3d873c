//! MoreVP transactions on the wire: positions, ids, the payment's shape and hash, the signed
//! transaction and its codec (`docs/morevp.md`, "Positions and ids" and "Transaction").
//!
//! - [`UtxoPos`]: `blknum * 1e9 + txindex * 1e4 + oindex`, with `txindex < 65,536`, `oindex < 4`
//!   and a deposit block's single output at `depositBlknum * 1e9`.
//! - [`PaymentTx`] (the artifact's struct, from [`crate::abi`]) and [`PaymentTxExt`]: its 384-byte
//!   ABI codec, its hash under a [`Domain`] (`txHash`, which is also the leaf value) and the shape
//!   rules ([`PaymentTxExt::shape`]).
//! - Content-based output ids ([`output_id`], [`deposit_output_id`]) and exit ids
//!   ([`UtxoPos::exit_id`] for standard exits, [`in_flight_exit_id`]).
//! - [`SignedTx`]: the transaction and one signature per used input, and its wire form
//!   `abi.encode(tx) ‖ sigs` (384 + 65 × inputs bytes).
//!
//! Decoding is strict: wrong lengths, non-canonical ABI words (dirty address padding) and
//! signatures with a bad `v` are errors, never panics. Decoding does not check the shape: a
//! transaction that breaks it is a validity question ([`crate::ledger::Ledger::check`]), so that a
//! watcher can still hash a block holding one and report it.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolStruct, SolValue};
use plasma_core::{BlockNumber, Domain, Signature, SigningKey, recover};
pub use plasma_mvp::Output;
pub use plasma_mvp::position::{Position, PositionRules};
use serde::{Deserialize, Serialize};

pub use crate::abi::{InputProof, PaymentTx};
use crate::error::{Invalidity, MoreVpError, Result};

pub use plasma_mvp::position::{BLOCK_OFFSET, TX_OFFSET};

/// Input slots of a payment.
pub const MAX_INPUTS: usize = 4;

/// Output slots of a payment.
pub const MAX_OUTPUTS: usize = 4;

/// Maximum number of transactions in a block (the depth-16 tree): transaction indexes are below it.
pub const MAX_TXS_PER_BLOCK: usize = plasma_core::merkle::binary::CAPACITY;

/// Length of a signature on the wire.
pub const SIG_LEN: usize = plasma_core::eip712::SIGNATURE_LEN;

/// Length of the ABI encoding of a [`PaymentTx`]: twelve 32-byte words.
pub const TX_LEN: usize = 12 * 32;

/// Length of a [`SignedTx`] with `inputs` used inputs on the wire: `384 + 65 × inputs`.
#[must_use]
pub const fn signed_tx_len(inputs: usize) -> usize {
    TX_LEN + inputs * SIG_LEN
}

/// The position of an output (Plasma MVP's [`Position`]): `txindex < 65,536`, `oindex < 4`, and
/// the output of a deposit block at `txindex = oindex = 0`.
pub type UtxoPos = Position<MoreVpPositions>;

/// MoreVP's [`PositionRules`]: four outputs per transaction, errors as [`MoreVpError`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MoreVpPositions;

impl PositionRules for MoreVpPositions {
    const OUTPUTS: u8 = MAX_OUTPUTS as u8;
    const OINDEX_RULE: &'static str = "oindex must be below 4";
    type Error = MoreVpError;

    fn invalid(value: U256, reason: &'static str) -> MoreVpError {
        MoreVpError::InvalidUtxoPos { value, reason }
    }

    fn not_deposit_block(blknum: BlockNumber) -> MoreVpError {
        MoreVpError::NotDepositBlock(blknum)
    }

    fn not_child_block(blknum: BlockNumber) -> MoreVpError {
        MoreVpError::NotChildBlock(blknum)
    }
}

/// `outputId` of output `index` of the transaction `tx_hash`: `keccak256(abi.encode(txHash, i))`
/// (64 bytes hashed). The same id whether the output leaves by a standard or an in-flight exit.
#[must_use]
pub fn output_id(tx_hash: B256, index: u8) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(tx_hash.as_slice());
    buf[63] = index;
    keccak256(buf)
}

/// `outputId` of the output of deposit block `blknum`: `keccak256(abi.encode(d))` (32 bytes
/// hashed).
#[must_use]
pub fn deposit_output_id(blknum: BlockNumber) -> B256 {
    keccak256(U256::from(blknum).to_be_bytes::<32>())
}

/// The id of an in-flight exit of `tx_hash`: `(1 << 95) | uint96(uint256(txHash) >> 161)`. The top
/// bit is set, so it never equals a standard exit's id.
#[must_use]
pub fn in_flight_exit_id(tx_hash: B256) -> u128 {
    let shifted: U256 = U256::from_be_bytes(tx_hash.0) >> 161usize;
    // 95 bits remain after the shift: they fit in the low two limbs.
    let limbs = shifted.as_limbs();
    (1u128 << 95) | u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)
}

/// The input positions of a well-shaped transaction, by slot: the used ones first, then `None`.
pub type InputSlots = [Option<UtxoPos>; MAX_INPUTS];

/// What [`PaymentTxExt::shape`] establishes: the used inputs (decoded, distinct) and outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The inputs by slot (used slots first).
    pub inputs: InputSlots,
    /// Number of used inputs (`1 ..= 4`).
    pub input_count: usize,
    /// Number of used outputs (`1 ..= 4`).
    pub output_count: usize,
}

impl Shape {
    /// The used inputs, slot order.
    pub fn inputs(&self) -> impl Iterator<Item = UtxoPos> + '_ {
        self.inputs.iter().flatten().copied()
    }
}

/// What MoreVP adds to the ABI's [`PaymentTx`] (generated in `plasma-abi`, hence a trait: bring
/// it into scope to call `PaymentTx::payment`, `tx.hash(domain)`, `tx.shape()` and the rest).
pub trait PaymentTxExt: Sized {
    /// A payment spending `inputs` into `outputs` (at most four of each; empty slots zero).
    /// Builds the struct only; validity is checked by whoever receives it.
    fn payment(inputs: &[UtxoPos], outputs: &[Output]) -> Result<Self>;

    /// The deposit input record of `docs/morevp.md`: only `owner0 = depositor`,
    /// `amount0 = amount`, every other field zero. An in-flight exit shows it, with an empty proof,
    /// as the "transaction" that created a deposit input.
    #[must_use]
    fn deposit_record(depositor: Address, amount: U256) -> Self;

    /// The 384-byte ABI encoding (`abi.encode(tx)`: twelve words, the struct is static).
    #[must_use]
    fn encode(&self) -> Vec<u8>;

    /// Parses exactly [`TX_LEN`] bytes of canonical ABI encoding. Any other length, or an address
    /// word with non-zero padding, is [`MoreVpError::Decode`].
    fn decode(bytes: &[u8]) -> Result<Self>;

    /// `txHash`: the EIP-712 digest of the transaction under `domain`. It is also the leaf value
    /// of the transaction in its block.
    #[must_use]
    fn hash(&self, domain: &Domain) -> B256;

    /// `hashStruct(tx)`: `keccak256(typeHash ‖ the twelve fields)`, each field one 32-byte word: what
    /// `alloy_sol_types::SolStruct::eip712_hash_struct` computes, without allocating and with the
    /// type hash computed once per process (it is on the operator's hot path).
    #[must_use]
    fn struct_hash(&self) -> B256;

    /// The four input slots as written (`0` = empty).
    #[must_use]
    fn input_slots(&self) -> [U256; MAX_INPUTS];

    /// The four output slots as written (`(0x0, 0)` = empty).
    #[must_use]
    fn output_slots(&self) -> [Output; MAX_OUTPUTS];

    /// Number of non-zero input slots: how many signatures the wire form carries.
    #[must_use]
    fn used_inputs(&self) -> usize;

    /// The non-zero input slots that decode as positions, with their slot (whatever the shape).
    fn named_inputs(&self) -> impl Iterator<Item = (u8, UtxoPos)>;

    /// Output `index` if the slot is used (owner or amount non-zero); `None` for an empty slot or
    /// `index ≥ 4`.
    #[must_use]
    fn output(&self, index: u8) -> Option<Output>;

    /// The used outputs with their index (whatever the shape).
    fn used_outputs(&self) -> impl Iterator<Item = (u8, Output)> + '_;

    /// Sum of the used outputs, or [`Invalidity::AmountOverflow`].
    fn output_total(&self) -> Result<U256, Invalidity>;

    /// Checks the shape rules of `docs/morevp.md`, cheapest first: `input0 ≠ 0`, no used input
    /// after an empty slot, every used input a valid position, no input twice; output 0 used, no
    /// used output after an empty slot, every used output with a non-zero owner and amount.
    fn shape(&self) -> Result<Shape, Invalidity>;
}

impl PaymentTxExt for PaymentTx {
    fn payment(inputs: &[UtxoPos], outputs: &[Output]) -> Result<Self> {
        if inputs.len() > MAX_INPUTS {
            return Err(MoreVpError::TooMany { what: "inputs", got: inputs.len() });
        }
        if outputs.len() > MAX_OUTPUTS {
            return Err(MoreVpError::TooMany { what: "outputs", got: outputs.len() });
        }
        let input = |i: usize| inputs.get(i).map_or(U256::ZERO, UtxoPos::encode);
        let output = |i: usize| outputs.get(i).copied().unwrap_or_default();
        let [o0, o1, o2, o3] = [output(0), output(1), output(2), output(3)];
        Ok(Self {
            input0: input(0),
            input1: input(1),
            input2: input(2),
            input3: input(3),
            owner0: o0.owner,
            amount0: o0.amount,
            owner1: o1.owner,
            amount1: o1.amount,
            owner2: o2.owner,
            amount2: o2.amount,
            owner3: o3.owner,
            amount3: o3.amount,
        })
    }

    fn deposit_record(depositor: Address, amount: U256) -> Self {
        Self { owner0: depositor, amount0: amount, ..Self::default() }
    }

    fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != TX_LEN {
            return Err(MoreVpError::Decode {
                what: "payment",
                reason: format!("{} bytes, expected {TX_LEN}", bytes.len()),
            });
        }
        let tx = <Self as SolValue>::abi_decode(bytes)
            .map_err(|e| MoreVpError::Decode { what: "payment", reason: e.to_string() })?;
        if tx.abi_encode() != bytes {
            return Err(MoreVpError::Decode { what: "payment", reason: "non-canonical encoding".into() });
        }
        Ok(tx)
    }

    fn hash(&self, domain: &Domain) -> B256 {
        domain.digest(self.struct_hash())
    }

    fn struct_hash(&self) -> B256 {
        static TYPE_HASH: LazyLock<B256> = LazyLock::new(|| keccak256(PaymentTx::eip712_encode_type().as_bytes()));
        let mut buf = [0u8; 13 * 32];
        let mut words = buf.chunks_exact_mut(32);
        let mut put = |bytes: &[u8]| {
            if let Some(word) = words.next() {
                word[32 - bytes.len()..].copy_from_slice(bytes);
            }
        };
        put(TYPE_HASH.as_slice());
        for input in self.input_slots() {
            put(&input.to_be_bytes::<32>());
        }
        for output in self.output_slots() {
            put(output.owner.as_slice());
            put(&output.amount.to_be_bytes::<32>());
        }
        keccak256(buf)
    }

    fn input_slots(&self) -> [U256; MAX_INPUTS] {
        [self.input0, self.input1, self.input2, self.input3]
    }

    fn output_slots(&self) -> [Output; MAX_OUTPUTS] {
        [
            Output { owner: self.owner0, amount: self.amount0 },
            Output { owner: self.owner1, amount: self.amount1 },
            Output { owner: self.owner2, amount: self.amount2 },
            Output { owner: self.owner3, amount: self.amount3 },
        ]
    }

    fn used_inputs(&self) -> usize {
        self.input_slots().iter().filter(|i| !i.is_zero()).count()
    }

    fn named_inputs(&self) -> impl Iterator<Item = (u8, UtxoPos)> {
        (0u8..).zip(self.input_slots()).filter_map(|(slot, value)| Some((slot, UtxoPos::decode(value).ok()?)))
    }

    fn output(&self, index: u8) -> Option<Output> {
        let output = self.output_slots().get(usize::from(index)).copied()?;
        (!output.owner.is_zero() || !output.amount.is_zero()).then_some(output)
    }

    fn used_outputs(&self) -> impl Iterator<Item = (u8, Output)> + '_ {
        (0u8..4).filter_map(|i| Some((i, self.output(i)?)))
    }

    fn output_total(&self) -> Result<U256, Invalidity> {
        checked_sum(self.output_slots().iter().map(|o| o.amount))
    }

    fn shape(&self) -> Result<Shape, Invalidity> {
        let (inputs, input_count) = input_shape(self)?;
        let output_count = output_shape(self)?;
        Ok(Shape { inputs, input_count, output_count })
    }
}

fn input_shape(tx: &PaymentTx) -> Result<(InputSlots, usize), Invalidity> {
    let slots = tx.input_slots();
    if slots[0].is_zero() {
        return Err(Invalidity::NoInput);
    }
    let mut inputs: InputSlots = [None; MAX_INPUTS];
    let mut count = 0;
    for (slot, value) in (0u8..).zip(slots) {
        if value.is_zero() {
            continue;
        }
        if usize::from(slot) != count {
            return Err(Invalidity::InputGap { slot });
        }
        let pos = UtxoPos::decode(value).map_err(|_| Invalidity::BadPosition { slot, value })?;
        if inputs[..count].contains(&Some(pos)) {
            return Err(Invalidity::DuplicateInput(pos));
        }
        inputs[count] = Some(pos);
        count += 1;
    }
    Ok((inputs, count))
}

fn output_shape(tx: &PaymentTx) -> Result<usize, Invalidity> {
    if tx.output(0).is_none() {
        return Err(Invalidity::NoOutput);
    }
    let mut count = 0;
    for (oindex, output) in tx.used_outputs() {
        if usize::from(oindex) != count {
            return Err(Invalidity::OutputGap { oindex });
        }
        if output.owner.is_zero() {
            return Err(Invalidity::ZeroOwner { oindex });
        }
        if output.amount.is_zero() {
            return Err(Invalidity::ZeroAmount { oindex });
        }
        count += 1;
    }
    Ok(count)
}

/// `Σ amounts`, or [`Invalidity::AmountOverflow`].
pub(crate) fn checked_sum(amounts: impl Iterator<Item = U256>) -> Result<U256, Invalidity> {
    plasma_mvp::utxo_set::checked_sum::<MoreVpPositions, _>(amounts)
}

/// Encodes signatures back to back (`sigs`): 65 bytes each, in order.
#[must_use]
pub fn encode_sigs(sigs: &[Signature]) -> Bytes {
    let mut out = Vec::with_capacity(sigs.len() * SIG_LEN);
    for sig in sigs {
        out.extend_from_slice(&sig.to_bytes());
    }
    Bytes::from(out)
}

/// Parses `sigs`: exactly `65 × count` bytes, each a [`Signature`] with `v ∈ {27, 28}`.
pub fn decode_sigs(bytes: &[u8], count: usize) -> Result<Vec<Signature>> {
    if bytes.len() != count * SIG_LEN {
        return Err(MoreVpError::Decode {
            what: "signatures",
            reason: format!("{} bytes, expected {} for {count} inputs", bytes.len(), count * SIG_LEN),
        });
    }
    bytes.chunks_exact(SIG_LEN).map(|chunk| Ok(Signature::from_bytes(chunk)?)).collect()
}

/// A transaction with its witnesses: one signature per used input, in input order, each by that
/// input's owner over `txHash`. The witnesses are not part of the leaf.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedTx {
    /// The transaction.
    pub tx: PaymentTx,
    /// One signature per used input, in input order.
    pub sigs: Vec<Signature>,
}

impl SignedTx {
    /// Wraps an already signed transaction.
    #[must_use]
    pub const fn new(tx: PaymentTx, sigs: Vec<Signature>) -> Self {
        Self { tx, sigs }
    }

    /// Signs `tx` under `domain`: `keys[i]` signs the `i`-th used input. Pass one key per used
    /// input (the same key several times for several inputs of one owner).
    #[must_use]
    pub fn sign(tx: PaymentTx, domain: &Domain, keys: &[&SigningKey]) -> Self {
        let hash = tx.hash(domain);
        let sigs = keys.iter().map(|key| key.sign_digest(hash)).collect();
        Self { tx, sigs }
    }

    /// `txHash`: the EIP-712 digest of the transaction under `domain` (also its leaf value).
    #[must_use]
    pub fn tx_hash(&self, domain: &Domain) -> B256 {
        self.tx.hash(domain)
    }

    /// `sigs` as the contract takes them: 65 bytes per signature, in input order.
    #[must_use]
    pub fn sigs_bytes(&self) -> Bytes {
        encode_sigs(&self.sigs)
    }

    /// The signer of each signature over `tx_hash`, in order; the first signature that
    /// `plasma_core::recover` rejects (bad `v`, high `s`, zero `r` or `s`, no key) fails the call.
    pub fn signers(&self, tx_hash: B256) -> Result<Vec<Address>> {
        self.sigs.iter().map(|sig| Ok(recover(tx_hash, sig)?)).collect()
    }

    /// The wire form: `abi.encode(tx)` (384 bytes) ‖ `sigs` (65 per signature).
    #[must_use]
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::with_capacity(signed_tx_len(self.sigs.len()));
        out.extend_from_slice(&self.tx.encode());
        for sig in &self.sigs {
            out.extend_from_slice(&sig.to_bytes());
        }
        Bytes::from(out)
    }

    /// Parses the wire form of [`SignedTx::encode`]: exactly `384 + 65 × n` bytes where `n` is the
    /// number of non-zero input slots, a canonical transaction and signatures with `v ∈ {27, 28}`;
    /// [`MoreVpError::Decode`] (or a signature error) for anything else. The shape and the
    /// signers are validity questions, not codec ones.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < TX_LEN {
            return Err(MoreVpError::Decode {
                what: "signed transaction",
                reason: format!("{} bytes, shorter than the {TX_LEN}-byte transaction", bytes.len()),
            });
        }
        let (tx, sigs) = bytes.split_at(TX_LEN);
        let tx = PaymentTx::decode(tx)?;
        let expected = signed_tx_len(tx.used_inputs());
        if bytes.len() != expected {
            return Err(MoreVpError::Decode {
                what: "signed transaction",
                reason: format!("{} bytes, expected {expected} for {} inputs", bytes.len(), tx.used_inputs()),
            });
        }
        let sigs = decode_sigs(sigs, tx.used_inputs())?;
        Ok(Self { tx, sigs })
    }

    /// Size on the wire, for metrics: `384 + 65 × signatures` bytes.
    #[must_use]
    pub fn size(&self) -> usize {
        signed_tx_len(self.sigs.len())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, uint};
    use proptest::prelude::*;
    use rstest::rstest;

    use super::*;
    use plasma_testkit::{domain, key};

    fn sample_tx() -> PaymentTx {
        PaymentTx {
            input0: uint!(1_000_000_000_U256),
            input1: uint!(2_000_000_030_001_U256),
            input2: uint!(2_000_000_030_003_U256),
            owner0: address!("0x1111111111111111111111111111111111111111"),
            amount0: U256::from(7),
            owner1: address!("0x2222222222222222222222222222222222222222"),
            amount1: U256::from(3),
            ..PaymentTx::default()
        }
    }

    #[test]
    fn type_string_matches_the_docs() {
        assert_eq!(
            PaymentTx::eip712_encode_type(),
            "PaymentTx(uint256 input0,uint256 input1,uint256 input2,uint256 input3,address owner0,uint256 amount0,\
             address owner1,uint256 amount1,address owner2,uint256 amount2,address owner3,uint256 amount3)"
        );
    }

    #[test]
    fn tx_hash_is_eip712_digest() {
        let tx = sample_tx();
        let d = domain();
        let mut data = keccak256(PaymentTx::eip712_encode_type().as_bytes()).to_vec();
        for word in tx.input_slots() {
            data.extend_from_slice(&word.to_be_bytes::<32>());
        }
        for output in tx.output_slots() {
            data.extend_from_slice(B256::left_padding_from(output.owner.as_slice()).as_slice());
            data.extend_from_slice(&output.amount.to_be_bytes::<32>());
        }
        assert_eq!(data.len(), 13 * 32);
        assert_eq!(tx.hash(&d), plasma_testkit::eip712_digest(&d, &data));
        assert_eq!(tx.hash(&d), tx.eip712_signing_hash(&d.into()));
        assert_eq!(tx.struct_hash(), tx.eip712_hash_struct());
        assert_ne!(tx.hash(&d), tx.hash(&Domain::new(1, d.verifying_contract)));
    }

    #[test]
    fn ids_follow_the_docs() {
        let h = B256::repeat_byte(0xab);
        assert_eq!(output_id(h, 2), keccak256((h, U256::from(2)).abi_encode()));
        assert_ne!(output_id(h, 0), output_id(h, 1));
        assert_eq!(deposit_output_id(1001), keccak256(U256::from(1001).abi_encode()));
        let pos = UtxoPos::new(u64::MAX - u64::MAX % 1000, 65_535, 3).unwrap();
        assert!(pos.exit_id() < 1 << 95);
        let ife = in_flight_exit_id(h);
        assert_eq!(ife >> 95, 1);
        assert!(ife < 1 << 96);
        let expected = (U256::from(1) << 95) | (U256::from_be_bytes(h.0) >> 161);
        assert_eq!(U256::from(ife), expected);
        assert_eq!(in_flight_exit_id(B256::ZERO), 1 << 95);
        assert_eq!(in_flight_exit_id(B256::repeat_byte(0xff)), (1 << 96) - 1);
    }

    #[rstest]
    #[case(1, 0, 0, 1_000_000_000)]
    #[case(1000, 0, 3, 1_000_000_000_003)]
    #[case(2000, 65_535, 2, 2_000_655_350_002)]
    #[case(999, 0, 0, 999_000_000_000)]
    fn utxo_pos_round_trip(#[case] blknum: u64, #[case] txindex: u64, #[case] oindex: u64, #[case] value: u128) {
        let pos = UtxoPos::new(blknum, txindex, oindex).unwrap();
        assert_eq!(pos.to_u128(), value);
        assert_eq!(UtxoPos::decode(U256::from(value)).unwrap(), pos);
        assert_eq!(U256::from(pos.to_u128()), pos.encode());
        assert_eq!((pos.blknum(), u64::from(pos.txindex()), u64::from(pos.oindex())), (blknum, txindex, oindex));
    }

    #[rstest]
    #[case(0, 0, 0)]
    #[case(1000, 65_536, 0)]
    #[case(1000, 0, 4)]
    #[case(1000, 99_999, 9_999)]
    #[case(1, 0, 1)]
    #[case(1, 1, 0)]
    fn utxo_pos_rejects(#[case] blknum: u64, #[case] txindex: u64, #[case] oindex: u64) {
        assert!(matches!(UtxoPos::new(blknum, txindex, oindex), Err(MoreVpError::InvalidUtxoPos { .. })));
        let raw = U256::from(blknum) * U256::from(BLOCK_OFFSET) + U256::from(txindex * TX_OFFSET + oindex);
        if txindex * TX_OFFSET + oindex < BLOCK_OFFSET {
            assert!(matches!(UtxoPos::decode(raw), Err(MoreVpError::InvalidUtxoPos { .. })));
        }
    }

    #[test]
    fn utxo_pos_kinds() {
        assert!(UtxoPos::deposit(1001).unwrap().is_deposit());
        assert!(matches!(UtxoPos::deposit(1000), Err(MoreVpError::NotDepositBlock(1000))));
        assert!(matches!(UtxoPos::tx(1001, 0), Err(MoreVpError::NotChildBlock(1001))));
        let out = UtxoPos::new(3000, 12, 3).unwrap();
        assert_eq!(out.tx_pos(), UtxoPos::tx(3000, 12).unwrap());
        assert_eq!(out.tx_pos().with_oindex(3).unwrap(), out);
        assert!(out.with_oindex(4).is_err());
        assert!(UtxoPos::decode(U256::MAX).is_err());
        assert_eq!(format!("{out} {out:?}"), "3000/12/3 UtxoPos(3000/12/3)");
    }

    #[test]
    fn payment_builder_and_slots() {
        let inputs = [UtxoPos::deposit(1).unwrap(), UtxoPos::new(2000, 3, 1).unwrap()];
        let outputs = [Output::new(Address::repeat_byte(1), U256::from(5))];
        let tx = PaymentTx::payment(&inputs, &outputs).unwrap();
        assert_eq!(tx.used_inputs(), 2);
        assert_eq!(tx.shape().unwrap().inputs().collect::<Vec<_>>(), inputs);
        assert_eq!(tx.output(0), Some(outputs[0]));
        assert_eq!(tx.output(1), None);
        assert_eq!(tx.output(9), None);
        assert!(matches!(PaymentTx::payment(&[inputs[0]; 5], &outputs), Err(MoreVpError::TooMany { .. })));
        assert!(matches!(PaymentTx::payment(&inputs, &[outputs[0]; 5]), Err(MoreVpError::TooMany { .. })));
        let record = PaymentTx::deposit_record(Address::repeat_byte(7), U256::from(9));
        assert_eq!((record.used_inputs(), record.output(0).unwrap().amount), (0, U256::from(9)));
    }

    #[test]
    fn wire_form_layout() {
        let d = domain();
        let (a, b) = (key("a"), key("b"));
        let signed = SignedTx::sign(sample_tx(), &d, &[&a, &b, &a]);
        let wire = signed.encode();
        assert_eq!((wire.len(), signed.size()), (384 + 3 * 65, 384 + 3 * 65));
        assert_eq!(&wire[..TX_LEN], sample_tx().encode().as_slice());
        assert_eq!(&wire[TX_LEN..], signed.sigs_bytes().as_ref());
        assert_eq!(SignedTx::decode(&wire).unwrap(), signed);
        let hash = signed.tx_hash(&d);
        assert_eq!(signed.signers(hash).unwrap(), vec![a.address(), b.address(), a.address()]);
    }

    #[test]
    fn decode_rejects_garbage() {
        let mut bytes = sample_tx().encode();
        bytes[4 * 32] = 1; // dirty padding of owner0
        assert!(matches!(PaymentTx::decode(&bytes), Err(MoreVpError::Decode { .. })));
        let signed = SignedTx::sign(sample_tx(), &domain(), &[&key("a"), &key("a"), &key("a")]);
        let mut bad_v = signed.encode().to_vec();
        bad_v[TX_LEN + 64] = 29;
        assert!(matches!(
            SignedTx::decode(&bad_v),
            Err(MoreVpError::Core(plasma_core::Error::InvalidRecoveryByte(29)))
        ));
        let mut seed = B256::repeat_byte(0x5a);
        for len in [0usize, 17, 383, 384, 449, 514, 579, 644, 1000] {
            let mut buf = Vec::new();
            while buf.len() < len {
                seed = keccak256(seed);
                buf.extend_from_slice(seed.as_slice());
            }
            buf.truncate(len);
            assert!(SignedTx::decode(&buf).is_err(), "{len}");
        }
    }

    #[rstest]
    #[case::no_input(PaymentTx { input0: U256::ZERO, ..sample_tx() }, Invalidity::NoInput)]
    #[case::gap(PaymentTx { input1: U256::ZERO, ..sample_tx() }, Invalidity::InputGap { slot: 2 })]
    #[case::bad_position(
        PaymentTx { input1: U256::from(5), ..sample_tx() },
        Invalidity::BadPosition { slot: 1, value: U256::from(5) }
    )]
    #[case::bad_oindex(
        PaymentTx { input1: uint!(2_000_000_030_004_U256), ..sample_tx() },
        Invalidity::BadPosition { slot: 1, value: uint!(2_000_000_030_004_U256) }
    )]
    #[case::duplicate(
        PaymentTx { input2: uint!(1_000_000_000_U256), ..sample_tx() },
        Invalidity::DuplicateInput(UtxoPos::deposit(1).unwrap())
    )]
    #[case::no_output(PaymentTx { owner0: Address::ZERO, amount0: U256::ZERO, ..sample_tx() }, Invalidity::NoOutput)]
    #[case::output_gap(
        PaymentTx { owner3: Address::repeat_byte(3), amount3: U256::from(1), owner1: Address::ZERO, amount1: U256::ZERO, ..sample_tx() },
        Invalidity::OutputGap { oindex: 3 }
    )]
    #[case::zero_owner(PaymentTx { owner1: Address::ZERO, ..sample_tx() }, Invalidity::ZeroOwner { oindex: 1 })]
    #[case::zero_amount(PaymentTx { amount0: U256::ZERO, ..sample_tx() }, Invalidity::ZeroAmount { oindex: 0 })]
    fn shape_violations(#[case] tx: PaymentTx, #[case] expected: Invalidity) {
        assert_eq!(tx.shape(), Err(expected));
    }

    fn arb_pos() -> impl Strategy<Value = UtxoPos> {
        prop_oneof![
            (1u64..1_000_000).prop_filter_map("deposit", |b| UtxoPos::deposit(b).ok()),
            (1u64..1_000_000, 0u64..65_536, 0u64..4).prop_map(|(b, t, o)| UtxoPos::new(b * 1000, t, o).unwrap()),
        ]
    }

    fn arb_output() -> impl Strategy<Value = Output> {
        (any::<[u8; 20]>(), 1u64..).prop_map(|(a, v)| Output::new(Address::from(a), U256::from(v)))
    }

    prop_compose! {
        fn arb_signed()(
            inputs in proptest::collection::vec(arb_pos(), 1..=4),
            outputs in proptest::collection::vec(arb_output(), 1..=4),
            seed in any::<u64>(),
        ) -> SignedTx {
            let tx = PaymentTx::payment(&inputs, &outputs).unwrap();
            let keys: Vec<SigningKey> =
                (0..tx.used_inputs() as u64).map(|i| SigningKey::from_bytes(keccak256((seed ^ i).to_be_bytes())).unwrap()).collect();
            let refs: Vec<&SigningKey> = keys.iter().collect();
            SignedTx::sign(tx, &domain(), &refs)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn wire_round_trip(signed in arb_signed()) {
            let wire = signed.encode();
            prop_assert_eq!(wire.len(), signed_tx_len(signed.tx.used_inputs()));
            prop_assert_eq!(SignedTx::decode(&wire).unwrap(), signed);
        }

        #[test]
        fn truncation_and_extension_rejected(signed in arb_signed(), cut in 1usize..500, extra in proptest::collection::vec(any::<u8>(), 1..100)) {
            let wire = signed.encode();
            let cut = cut.min(wire.len());
            prop_assert!(SignedTx::decode(&wire[..wire.len() - cut]).is_err());
            let mut longer = wire.to_vec();
            longer.extend_from_slice(&extra);
            prop_assert!(SignedTx::decode(&longer).is_err());
        }

        #[test]
        fn high_s_rejected(signed in arb_signed(), slot in 0usize..4) {
            let slot = slot % signed.sigs.len();
            let hash = signed.tx_hash(&domain());
            let mut twin = signed.clone();
            twin.sigs[slot] = twin.sigs[slot].high_s_twin();
            // The codec carries it (only `v` is a codec matter) but recovery refuses it.
            prop_assert_eq!(SignedTx::decode(&twin.encode()).unwrap(), twin.clone());
            prop_assert!(matches!(twin.signers(hash), Err(MoreVpError::Core(plasma_core::Error::HighS))));
            prop_assert!(signed.signers(hash).is_ok());
        }

        #[test]
        fn shape_violations_rejected(signed in arb_signed(), which in 0u8..5, slot in 0usize..4) {
            let mut tx = signed.tx.clone();
            prop_assert!(tx.shape().is_ok());
            let inputs = tx.used_inputs();
            let outputs = tx.used_outputs().count();
            match which {
                0 => tx.input0 = U256::ZERO,
                1 => {
                    // Name input 0 again in another slot.
                    let slot = slot % 4;
                    if slot == 0 { tx.input1 = tx.input0 } else {
                        match slot { 1 => tx.input1 = tx.input0, 2 => tx.input2 = tx.input0, _ => tx.input3 = tx.input0 }
                    }
                    // A duplicate after a gap is a gap; either way the shape is refused.
                }
                2 => tx.amount0 = U256::ZERO,
                3 => tx.owner0 = Address::ZERO,
                _ => {
                    // A used slot after an empty one (outputs when there is room, else inputs).
                    if outputs < 3 { tx.owner3 = Address::repeat_byte(9); tx.amount3 = U256::from(1); }
                    else if inputs < 3 { tx.input3 = U256::from(1_000_000_000u64 * 7); }
                    else { tx.owner0 = Address::ZERO; tx.amount0 = U256::ZERO; }
                }
            }
            prop_assert!(tx.shape().is_err(), "{:?}", tx);
        }
    }
}
