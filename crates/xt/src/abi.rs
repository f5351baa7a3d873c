//! The Solidity side of Plasma XT as Rust types (`docs/xt.md`): re-exports of what `plasma-abi`
//! generates from the compiled artifact `contracts/artifacts/XtExitGame.json`, so the contract's
//! ABI is the only source and no Solidity type is declared again here.
//!
//! - [`CheckpointState`]: a coin's state in a finalised checkpoint, as the origin calls take it.
//! - [`XtExitGame`]: every function, event and error of `XtExitGame.sol`, the ones it adds to
//!   `CashExitGame` and the ones it inherits (those are called through [`plasma_cash::CashGame`],
//!   whose calldata is the same).
//! - [`CashTx`] and [`Included`]: `XtExitGame`'s own bindings of the file-level structs it shares
//!   with `CashExitGame`. `plasma-abi` generates those once per contract, so they are other Rust
//!   types than `plasma_cash::CashTx` and `plasma_cash::Included` with the same ABI;
//!   [`from_cash`] and [`to_cash`] convert.
//!
//! `CheckpointSignOff(uint64 blknum,bytes32 stateRoot,uint64 coinId)` is in no ABI (the contract
//! hashes it by hand), so it is declared in [`crate::checkpoint`] as
//! [`CheckpointSignOff`](crate::checkpoint::CheckpointSignOff).

/// [`XtExitGame`] under the name of the interface this module used to declare by hand, for
/// callers outside this crate that still use it.
pub use plasma_abi::XtExitGame as IXtExitGame;
pub use plasma_abi::XtExitGame::{self, CashTx, CheckpointState, Included};

/// `plasma-cash`'s `Included` as `XtExitGame`'s.
#[must_use]
pub fn from_cash(included: &plasma_cash::Included) -> Included {
    let tx = CashTx { coinId: included.tx.coinId, prevBlock: included.tx.prevBlock, newOwner: included.tx.newOwner };
    Included { tx, blknum: included.blknum, proof: included.proof.clone() }
}

/// `XtExitGame`'s `Included` as `plasma-cash`'s.
#[must_use]
pub fn to_cash(included: &Included) -> plasma_cash::Included {
    let tx = plasma_cash::CashTx {
        coinId: included.tx.coinId,
        prevBlock: included.tx.prevBlock,
        newOwner: included.tx.newOwner,
    };
    plasma_cash::Included { tx, blknum: included.blknum, proof: included.proof.clone() }
}
