//! Output positions as MVP and MoreVP encode them: `utxoPos = blknum * 1e9 + txindex * 1e4 + oindex`.
//!
//! [`Position`] is the one position type of both designs, generic over [`PositionRules`]: how many
//! outputs a transaction has (MVP 2, MoreVP 4) and which error the design reports. Each design
//! names its own: `plasma_mvp::UtxoPos` is `Position<MvpPositions>`, `plasma_morevp::UtxoPos`
//! `Position<MoreVpPositions>`. The rules are a zero-sized marker: a position is three numbers, and
//! every method is monomorphized.

use core::{fmt, hash::Hash, marker::PhantomData};

use alloy_primitives::U256;
use plasma_core::{BlockNumber, is_child_block, is_deposit_block};
use serde::{Deserialize, Serialize};

/// `utxoPos` weight of the block number.
pub const BLOCK_OFFSET: u64 = 1_000_000_000;

/// `utxoPos` weight of the transaction index.
pub const TX_OFFSET: u64 = 10_000;

/// What a design says of its positions: the output count and the errors it reports.
pub trait PositionRules: Copy + Eq + Ord + Hash + Default + fmt::Debug + Send + Sync + 'static {
    /// Outputs per transaction: `oindex` is below it.
    const OUTPUTS: u8;
    /// The broken rule reported for an `oindex` of [`PositionRules::OUTPUTS`] or more.
    const OINDEX_RULE: &'static str;
    /// The design's error.
    type Error;
    /// The error for an invalid position: `value` is the raw `utxoPos`, `reason` the broken rule.
    fn invalid(value: U256, reason: &'static str) -> Self::Error;
    /// The error for a deposit position asked of `blknum`, which is not a deposit block.
    fn not_deposit_block(blknum: BlockNumber) -> Self::Error;
    /// The error for a transaction position asked of `blknum`, which is not a child block.
    fn not_child_block(blknum: BlockNumber) -> Self::Error;
}

/// The position of an output: block, transaction index and output index.
///
/// Always valid: `blknum ≠ 0`, `txindex < 65,536`, `oindex <` [`PositionRules::OUTPUTS`], and the
/// output of a deposit block is at `txindex = oindex = 0`. The derived order is the order of the
/// encoded `utxoPos`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position<R> {
    blknum: BlockNumber,
    txindex: u16,
    oindex: u8,
    #[serde(skip)]
    rules: PhantomData<R>,
}

impl<R: PositionRules> Position<R> {
    /// The position `(blknum, txindex, oindex)`, or the rule it breaks.
    fn checked(blknum: BlockNumber, txindex: u64, oindex: u64) -> Result<Self, &'static str> {
        if blknum == 0 {
            return Err("block 0 holds no outputs");
        }
        let txindex = u16::try_from(txindex).map_err(|_| "txindex must be below 65536")?;
        let oindex = u8::try_from(oindex).ok().filter(|o| *o < R::OUTPUTS).ok_or(R::OINDEX_RULE)?;
        if is_deposit_block(blknum) && (txindex != 0 || oindex != 0) {
            return Err("a deposit block has a single output at txindex 0, oindex 0");
        }
        Ok(Self { blknum, txindex, oindex, rules: PhantomData })
    }

    /// The position `(blknum, txindex, oindex)`.
    ///
    /// Fails with the design's invalid-position error for block `0`, `txindex ≥ 65,536`,
    /// `oindex ≥` [`PositionRules::OUTPUTS`], or a deposit block position other than
    /// `(blknum, 0, 0)`.
    pub fn new(blknum: BlockNumber, txindex: u64, oindex: u64) -> Result<Self, R::Error> {
        Self::checked(blknum, txindex, oindex).map_err(|reason| {
            let raw = U256::from(blknum) * U256::from(BLOCK_OFFSET)
                + U256::from(txindex) * U256::from(TX_OFFSET)
                + U256::from(oindex);
            R::invalid(raw, reason)
        })
    }

    /// The single output of deposit block `blknum`; the design's not-a-deposit-block error for a
    /// child block number or `0`.
    pub fn deposit(blknum: BlockNumber) -> Result<Self, R::Error> {
        if blknum == 0 || !is_deposit_block(blknum) {
            return Err(R::not_deposit_block(blknum));
        }
        Ok(Self { blknum, txindex: 0, oindex: 0, rules: PhantomData })
    }

    /// The position `txPos` of transaction `txindex` of child block `blknum` (`oindex = 0`), as the
    /// contracts' `spendingTxPos`; the design's not-a-child-block error for a deposit block number.
    pub fn tx(blknum: BlockNumber, txindex: u64) -> Result<Self, R::Error> {
        if !is_child_block(blknum) {
            return Err(R::not_child_block(blknum));
        }
        Self::new(blknum, txindex, 0)
    }

    /// Decodes `blknum * 1e9 + txindex * 1e4 + oindex`. Rejects, with the design's
    /// invalid-position error, what [`Position::new`] rejects and a block number beyond `u64`.
    pub fn decode(value: U256) -> Result<Self, R::Error> {
        let block_offset = U256::from(BLOCK_OFFSET);
        let blknum = u64::try_from(value / block_offset).map_err(|_| R::invalid(value, "block number beyond u64"))?;
        // The remainder is below 1e9, so it fits in u64.
        let rest = (value % block_offset).as_limbs()[0];
        Self::checked(blknum, rest / TX_OFFSET, rest % TX_OFFSET).map_err(|reason| R::invalid(value, reason))
    }

    /// `blknum * 1e9 + txindex * 1e4 + oindex` as `uint256`.
    #[must_use]
    pub fn encode(&self) -> U256 {
        U256::from(self.to_u128())
    }

    /// `blknum * 1e9 + txindex * 1e4 + oindex`. Always below `2^95` (`u64::MAX * 1e9 < 2^94`), so
    /// it is also the exit's queue position and, as it is, a standard exit's id.
    #[must_use]
    pub const fn to_u128(&self) -> u128 {
        self.blknum as u128 * BLOCK_OFFSET as u128 + self.txindex as u128 * TX_OFFSET as u128 + self.oindex as u128
    }

    /// The id of a standard exit of this output: `uint96(utxoPos)` (top bit clear).
    #[must_use]
    pub const fn exit_id(&self) -> u128 {
        self.to_u128()
    }

    /// The block number.
    #[must_use]
    pub const fn blknum(&self) -> BlockNumber {
        self.blknum
    }

    /// The transaction index in the block.
    #[must_use]
    pub const fn txindex(&self) -> u16 {
        self.txindex
    }

    /// The output index (below [`PositionRules::OUTPUTS`]).
    #[must_use]
    pub const fn oindex(&self) -> u8 {
        self.oindex
    }

    /// Whether this is a deposit block's output.
    #[must_use]
    pub const fn is_deposit(&self) -> bool {
        is_deposit_block(self.blknum)
    }

    /// The position of the transaction holding this output (`oindex = 0`).
    #[must_use]
    pub const fn tx_pos(&self) -> Self {
        Self { blknum: self.blknum, txindex: self.txindex, oindex: 0, rules: PhantomData }
    }

    /// The output `oindex` of the same transaction; fails for `oindex ≥`
    /// [`PositionRules::OUTPUTS`] or a deposit position with `oindex ≠ 0`.
    pub fn with_oindex(&self, oindex: u8) -> Result<Self, R::Error> {
        Self::new(self.blknum, u64::from(self.txindex), u64::from(oindex))
    }
}

impl<R> fmt::Debug for Position<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UtxoPos({}/{}/{})", self.blknum, self.txindex, self.oindex)
    }
}

impl<R> fmt::Display for Position<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.blknum, self.txindex, self.oindex)
    }
}

impl<R: PositionRules> From<Position<R>> for U256 {
    fn from(pos: Position<R>) -> Self {
        pos.encode()
    }
}

impl<R: PositionRules> TryFrom<U256> for Position<R> {
    type Error = R::Error;

    fn try_from(value: U256) -> Result<Self, R::Error> {
        Self::decode(value)
    }
}
