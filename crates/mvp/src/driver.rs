//! [`MvpDriver`]: the MVP design behind plasma-core's object-safe
//! `VariantDriver`, for scenarios written once for every design.
//!
//! It bundles an honest [`Operator`], one [`Wallet`] per address it has seen and the [`MvpGame`]
//! parameters, and plays the honest users' part of the protocol automatically: when a block
//! holding a transfer is numbered, the sender confirms it and every recipient (the change included)
//! records its output with the confirmations. Scenarios that need finer control (faults,
//! withheld confirmations, watchers) use the components directly.
//!
//! Errors are this crate's [`MvpError`] wrapped with `plasma_core::Error::variant("mvp", …)`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BlockSubmittedEvent, Bonds, Capabilities, ChildChain, DepositEvent, Error, GameCall, Periods, SigningKey,
    VariantDriver,
};

use crate::{
    error::MvpError,
    game::MvpGame,
    operator::{CAPABILITIES, Operator},
    tx::SignedTx,
    wallet::Wallet,
};

/// Name of the design in the harness.
pub const NAME: &str = "mvp";

fn wrap(error: MvpError) -> Error {
    Error::variant(NAME, error)
}

/// An operator, the users' wallets and the game, driven as one design.
#[derive(Debug)]
pub struct MvpDriver {
    operator: Operator,
    game: MvpGame,
    wallets: BTreeMap<Address, Wallet>,
    in_flight: Vec<(SignedTx, Address)>,
}

impl MvpDriver {
    /// A driver over a fresh operator for `operator.domain()`'s deployment and the game `game`.
    #[must_use]
    pub const fn new(operator: Operator, game: MvpGame) -> Self {
        Self { operator, game, wallets: BTreeMap::new(), in_flight: Vec::new() }
    }

    /// The operator.
    #[must_use]
    pub const fn operator(&self) -> &Operator {
        &self.operator
    }

    /// The operator, mutably (fault injection).
    pub const fn operator_mut(&mut self) -> &mut Operator {
        &mut self.operator
    }

    /// The game parameters.
    #[must_use]
    pub const fn game(&self) -> &MvpGame {
        &self.game
    }

    /// The wallet of `owner`, if the driver has seen that address.
    #[must_use]
    pub fn wallet(&self, owner: Address) -> Option<&Wallet> {
        self.wallets.get(&owner)
    }

    /// The wallet of `owner`, mutably.
    pub fn wallet_mut(&mut self, owner: Address) -> Option<&mut Wallet> {
        self.wallets.get_mut(&owner)
    }

    fn wallet_entry(&mut self, owner: Address) -> &mut Wallet {
        let domain = *self.operator.domain();
        self.wallets.entry(owner).or_insert_with(|| Wallet::watch_only(owner, domain))
    }

    /// Confirms and delivers every in-flight transfer the operator has now included.
    fn settle(&mut self) -> Result<(), MvpError> {
        let mut still_in_flight = Vec::new();
        for (tx, from) in std::mem::take(&mut self.in_flight) {
            let Some(inclusion) = self.operator.inclusion(tx.tx_hash(self.operator.domain())) else {
                still_in_flight.push((tx, from));
                continue;
            };
            let confirmations = self.wallet_entry(from).confirm(&tx, inclusion.root)?;
            let mut owners: Vec<Address> = (0..2u8).filter_map(|o| tx.tx.output(o)).map(|o| o.owner).collect();
            owners.dedup();
            for owner in owners {
                self.wallet_entry(owner).receive(&tx, &inclusion, confirmations)?;
            }
        }
        self.in_flight = still_in_flight;
        Ok(())
    }
}

impl VariantDriver for MvpDriver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn periods(&self) -> Periods {
        self.game.periods()
    }

    fn bonds(&self) -> Bonds {
        self.game.bonds()
    }

    fn apply_deposit(&mut self, deposit: &DepositEvent) -> plasma_core::Result<()> {
        self.operator.apply_deposit(deposit).map_err(wrap)?;
        self.wallet_entry(deposit.depositor).add_deposit(deposit).map(drop).map_err(wrap)
    }

    /// Pays with no fee, from at most two of `from`'s outputs, change back to `from`.
    fn transfer(&mut self, from: &SigningKey, to: Address, amount: U256) -> plasma_core::Result<B256> {
        let wallet = self.wallet_entry(from.address());
        wallet.set_key(from.clone()).map_err(wrap)?;
        let tx = wallet.pay(to, amount, U256::ZERO).map_err(wrap)?;
        match self.operator.submit_tx(tx.clone()) {
            Ok(hash) => {
                self.in_flight.push((tx, from.address()));
                Ok(hash)
            }
            Err(e) => {
                self.wallet_entry(from.address()).cancel(&tx);
                Err(wrap(e))
            }
        }
    }

    fn build_block(&mut self) -> plasma_core::Result<B256> {
        self.operator.build_block().map(|b| b.root()).map_err(wrap)
    }

    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> plasma_core::Result<()> {
        self.operator.on_block_submitted(event).map_err(wrap)?;
        self.settle().map_err(wrap)
    }

    /// `startExit` / `startDepositExit` calls for every output `owner`'s wallet holds.
    fn exit_calls(&self, owner: Address) -> plasma_core::Result<Vec<GameCall>> {
        Ok(self
            .wallets
            .get(&owner)
            .map(|w| w.exit_claims().iter().map(|c| self.game.exit_call(c)).collect())
            .unwrap_or_default())
    }
}
