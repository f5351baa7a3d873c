//! Checkpoints (`docs/xt.md`, "Checkpoints"): the state leaf, zones, sign-off bitmaps, the state
//! tree the operator builds after a block, the EIP-712 sign-off, and the operator's collection of
//! sign-offs into a bitmap.
//!
//! - [`state_leaf`]: `keccak256(abi.encode(owner, lastMoved))`, the leaf at key `coinId`.
//! - [`Zone`] and [`Bitmap`]: bit `i` stands for coin `zoneStart + i`, bit `i % 8` (least
//!   significant first) of byte `i / 8`; padding bits are zero.
//! - [`StateCheckpoint`]: the operator's checkpoint of a zone after block `K`: every coin of the
//!   zone with its owner and last move, the sparse tree over their leaves, proofs for the owners,
//!   and the sign-offs collected ([`StateCheckpoint::add_sign_off`] checks each against the owner
//!   the state names); [`StateCheckpoint::bitmap`] sets exactly the bits of those sign-offs.
//! - [`CheckpointSignOff`], [`sign_off_digest`] / [`sign_off`]: the digest of
//!   `CheckpointSignOff(K, stateRoot, coinId)`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_sol_types::{SolValue, sol};
use plasma_cash::Operator;
use plasma_core::{BlockNumber, Domain, Signature, SigningKey, SparseProof, SparseTree};
use serde::{Deserialize, Serialize};

use crate::error::{Result, XtError};

sol! {
    /// What an owner signs to sign off coin `coinId` in the checkpoint of block `blknum`: EIP-712
    /// type string `CheckpointSignOff(uint64 blknum,bytes32 stateRoot,uint64 coinId)`. In no
    /// contract ABI (`XtExitGame` only hashes it, by hand, see `SIGN_OFF_TYPEHASH`), so declared
    /// here rather than generated from the artifact.
    #[allow(missing_docs)]
    #[derive(Debug, Default, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct CheckpointSignOff {
        uint64 blknum;
        bytes32 stateRoot;
        uint64 coinId;
    }
}

/// A coin's leaf value in a checkpoint's state tree: `keccak256(abi.encode(owner, lastMoved))`.
#[must_use]
pub fn state_leaf(owner: Address, last_moved: BlockNumber) -> B256 {
    keccak256((owner, last_moved).abi_encode())
}

/// A coin's state after a checkpoint's block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoinState {
    /// The owner.
    pub owner: Address,
    /// The block where the coin last moved (its id if it never moved).
    pub last_moved: BlockNumber,
}

impl CoinState {
    /// Its leaf value.
    #[must_use]
    pub fn leaf(&self) -> B256 {
        state_leaf(self.owner, self.last_moved)
    }
}

/// A range of coin ids `[start, start + size)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Zone {
    /// The first coin id.
    pub start: u64,
    /// The number of ids.
    pub size: u64,
}

impl Zone {
    /// The zone `[start, start + size)`; [`XtError::BadZone`] when empty or past `u64`.
    pub fn new(start: u64, size: u64) -> Result<Self> {
        if size == 0 || start.checked_add(size - 1).is_none() {
            return Err(XtError::BadZone { start, size });
        }
        Ok(Self { start, size })
    }

    /// Whether every id of the zone is below `blknum` (`start + size <= blknum`): a checkpoint of
    /// block `blknum` may cover it.
    #[must_use]
    pub fn ends_by(&self, blknum: BlockNumber) -> bool {
        u128::from(self.start) + u128::from(self.size) <= u128::from(blknum)
    }

    /// Whether `coin_id` is in the zone.
    #[must_use]
    pub const fn contains(&self, coin_id: u64) -> bool {
        coin_id >= self.start && coin_id - self.start < self.size
    }

    /// The bit index of `coin_id`; [`XtError::OutOfZone`] outside the zone.
    pub const fn offset(&self, coin_id: u64) -> Result<u64> {
        if self.contains(coin_id) {
            Ok(coin_id - self.start)
        } else {
            Err(XtError::OutOfZone { coin_id, start: self.start, size: self.size })
        }
    }
}

/// A sign-off bitmap of a zone: `ceil(size / 8)` bytes, least significant bit first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bitmap {
    zone: Zone,
    bytes: Vec<u8>,
}

impl Bitmap {
    /// All bits clear.
    #[must_use]
    pub fn empty(zone: Zone) -> Self {
        Self { zone, bytes: vec![0; zone.size.div_ceil(8) as usize] }
    }

    /// A bitmap as published: [`XtError::BadZone`] unless the zone is valid ([`Zone::new`]) and the
    /// bitmap has `ceil(size / 8)` bytes with zero padding bits.
    pub fn from_bytes(zone: Zone, bytes: &[u8]) -> Result<Self> {
        let zone = Zone::new(zone.start, zone.size)?;
        let bad = || XtError::BadZone { start: zone.start, size: zone.size };
        if bytes.len() as u64 != zone.size.div_ceil(8) {
            return Err(bad());
        }
        let used = zone.size % 8;
        if used != 0 && bytes.last().is_some_and(|last| last >> used != 0) {
            return Err(bad());
        }
        Ok(Self { zone, bytes: bytes.to_vec() })
    }

    /// The zone.
    #[must_use]
    pub const fn zone(&self) -> Zone {
        self.zone
    }

    /// Sets the bit of `coin_id`.
    pub fn set(&mut self, coin_id: u64) -> Result<()> {
        let i = self.zone.offset(coin_id)?;
        if let Some(byte) = self.bytes.get_mut((i / 8) as usize) {
            *byte |= 1 << (i % 8);
        }
        Ok(())
    }

    /// Whether the bit of `coin_id` is set (false outside the zone).
    #[must_use]
    pub fn is_set(&self, coin_id: u64) -> bool {
        self.zone
            .offset(coin_id)
            .ok()
            .and_then(|i| self.bytes.get((i / 8) as usize).map(|b| b >> (i % 8) & 1 == 1))
            .unwrap_or(false)
    }

    /// The coins whose bit is set, in order.
    pub fn set_coins(&self) -> impl Iterator<Item = u64> + '_ {
        (self.zone.start..=self.zone.start + (self.zone.size - 1)).filter(|c| self.is_set(*c))
    }

    /// The published bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(&self.bytes)
    }
}

/// The EIP-712 digest an owner signs to sign off `coin_id` in the checkpoint of `blknum`.
#[must_use]
pub fn sign_off_digest(domain: &Domain, blknum: BlockNumber, state_root: B256, coin_id: u64) -> B256 {
    domain.hash_typed(&CheckpointSignOff { blknum, stateRoot: state_root, coinId: coin_id })
}

/// `key`'s sign-off of `coin_id` in the checkpoint of `blknum` with `state_root`.
#[must_use]
pub fn sign_off(key: &SigningKey, domain: &Domain, blknum: BlockNumber, state_root: B256, coin_id: u64) -> Signature {
    key.sign_typed(domain, &CheckpointSignOff { blknum, stateRoot: state_root, coinId: coin_id })
}

/// The operator's checkpoint of a zone after block `K`, and the sign-offs it collected.
#[derive(Clone, Debug)]
pub struct StateCheckpoint {
    blknum: BlockNumber,
    zone: Zone,
    states: BTreeMap<u64, CoinState>,
    tree: SparseTree,
    sign_offs: BTreeMap<u64, Signature>,
}

impl StateCheckpoint {
    /// The checkpoint of `zone` after block `blknum` stating `states` (coins outside the zone are
    /// left out). [`XtError::BadZone`] unless the zone ends before `blknum` (`start + size <= K`,
    /// the contract's rule): coins deposited after `K` do not exist at `K`.
    pub fn new(blknum: BlockNumber, zone: Zone, states: BTreeMap<u64, CoinState>) -> Result<Self> {
        if !zone.ends_by(blknum) {
            return Err(XtError::BadZone { start: zone.start, size: zone.size });
        }
        let states: BTreeMap<u64, CoinState> = states.into_iter().filter(|(c, _)| zone.contains(*c)).collect();
        let tree = SparseTree::from_leaves(states.iter().map(|(c, s)| (*c, s.leaf())))?;
        Ok(Self { blknum, zone, states, tree, sign_offs: BTreeMap::new() })
    }

    /// The checkpoint of `zone` from `operator`'s coins as they are now, which must be their state
    /// after block `blknum` (the operator's newest numbered block, nothing built after it).
    pub fn from_operator(operator: &Operator, blknum: BlockNumber, zone: Zone) -> Result<Self> {
        let states = operator
            .coins()
            .iter()
            .filter(|(c, _)| zone.contains(**c))
            .map(|(c, coin)| (*c, CoinState { owner: coin.owner, last_moved: coin.last_moved }))
            .collect();
        Self::new(blknum, zone, states)
    }

    /// `K`.
    #[must_use]
    pub const fn blknum(&self) -> BlockNumber {
        self.blknum
    }

    /// The zone.
    #[must_use]
    pub const fn zone(&self) -> Zone {
        self.zone
    }

    /// The state root.
    #[must_use]
    pub fn root(&self) -> B256 {
        self.tree.root()
    }

    /// The state of `coin_id`, if stated.
    #[must_use]
    pub fn state(&self, coin_id: u64) -> Option<CoinState> {
        self.states.get(&coin_id).copied()
    }

    /// Every stated coin.
    #[must_use]
    pub const fn states(&self) -> &BTreeMap<u64, CoinState> {
        &self.states
    }

    /// The proof of `coin_id`'s leaf (handed to its owner before it signs off).
    #[must_use]
    pub fn proof(&self, coin_id: u64) -> SparseProof {
        self.tree.proof(coin_id)
    }

    /// Records `sig` as the sign-off of `coin_id` if it recovers to the owner the state names;
    /// [`XtError::NoState`] / [`XtError::BadSignOff`] otherwise (nothing recorded).
    pub fn add_sign_off(&mut self, domain: &Domain, coin_id: u64, sig: Signature) -> Result<()> {
        let state = self.state(coin_id).ok_or(XtError::NoState(coin_id))?;
        let digest = sign_off_digest(domain, self.blknum, self.root(), coin_id);
        if sig.recover(digest).ok() != Some(state.owner) {
            return Err(XtError::BadSignOff { coin_id, owner: state.owner });
        }
        self.sign_offs.insert(coin_id, sig);
        Ok(())
    }

    /// The sign-off collected for `coin_id`.
    #[must_use]
    pub fn sign_off_of(&self, coin_id: u64) -> Option<&Signature> {
        self.sign_offs.get(&coin_id)
    }

    /// The bitmap: exactly the coins with a collected sign-off.
    #[must_use]
    pub fn bitmap(&self) -> Bitmap {
        let mut bitmap = Bitmap::empty(self.zone);
        for coin in self.sign_offs.keys() {
            // Every signed coin is stated, hence in the zone.
            let _ = bitmap.set(*coin);
        }
        bitmap
    }
}
