//! Shared test helpers: keys and the domain (from `plasma-testkit`) and the tests' XT game.

use alloy_primitives::U256;
use plasma_cash::CashGame;
use plasma_xt::XtGame;

pub use plasma_testkit::{domain, key};

/// The tests' game: exit bond 2 wei, challenge bond 3, checkpoint bond 7, at most 4 pending
/// challenges a checkpoint, `period` for both the exit and the checkpoint period.
pub fn game(period: u64) -> XtGame {
    XtGame {
        cash: CashGame::new(U256::from(2), U256::from(3), period),
        checkpoint_bond: U256::from(7),
        checkpoint_period: period,
        challenge_cap: 4,
    }
}
