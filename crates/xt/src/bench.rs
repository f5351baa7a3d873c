//! The operator's work for one checkpoint, for `plasma bench`: the state tree of a zone whose coins
//! all moved in the last block, checking every owner's sign-off, and the bitmap. Setup (deposits,
//! transfers, the owners' signing) is never timed.

use std::time::{Duration, Instant};

use plasma_cash::bench::{keys, one_input_workload};
use plasma_core::{BlockSubmittedEvent, ChildChain as _, Domain, Signature};

use crate::{StateCheckpoint, XtError, Zone, error::Result, sign_off};

/// What one checkpoint cost the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointTimes {
    /// Coins in the zone.
    pub zone_coins: usize,
    /// Building the zone's state tree.
    pub state_tree: Duration,
    /// Checking every sign-off (one signature recovery each) and building the bitmap.
    pub sign_offs: Duration,
}

/// Times the checkpoint of the zone of coin ids `1 ..= zone_ids` after a block moving every coin of
/// it.
pub fn checkpoint_times(zone_ids: u64, domain: Domain) -> Result<CheckpointTimes> {
    let coins = usize::try_from(zone_ids).map_err(|_| XtError::BadZone { start: 1, size: zone_ids })?;
    let plasma_cash::bench::Workload { mut operator, txs } = one_input_workload(coins, domain)?;
    if operator.submit_batch(txs).iter().any(Result::is_err) {
        return Err(XtError::Workload("the operator refused a transfer of the zone"));
    }
    let root = operator.build_block()?.root();
    // The first child block after the zone's deposits: a checkpoint of K covers coins below K.
    let blknum = (zone_ids / 1000 + 1) * 1000;
    operator.on_block_submitted(&BlockSubmittedEvent { blknum, root, timestamp: 1 })?;
    let zone = Zone::new(1, zone_ids)?;

    let started = Instant::now();
    let mut checkpoint = StateCheckpoint::from_operator(&operator, blknum, zone)?;
    let state_tree = started.elapsed();

    let keys = keys()?;
    let sign_offs: Vec<(u64, Signature)> = checkpoint
        .states()
        .iter()
        .filter_map(|(coin, state)| {
            let key = keys.iter().find(|key| key.address() == state.owner)?;
            Some((*coin, sign_off(key, &domain, blknum, checkpoint.root(), *coin)))
        })
        .collect();
    let started = Instant::now();
    for (coin, sig) in &sign_offs {
        checkpoint.add_sign_off(&domain, *coin, *sig)?;
    }
    let bitmap = checkpoint.bitmap();
    let sign_offs = started.elapsed();
    let zone_coins = checkpoint.states().len();
    if bitmap.set_coins().count() != zone_coins {
        return Err(XtError::Workload("a sign-off is missing from the bitmap"));
    }
    Ok(CheckpointTimes { zone_coins, state_tree, sign_offs })
}
