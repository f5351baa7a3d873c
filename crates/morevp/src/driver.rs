//! [`MoreVpDriver`]: the MoreVP design behind plasma-core's object-safe `VariantDriver`, for
//! scenarios written once for every design.
//!
//! It bundles an honest [`Operator`], one [`Wallet`] per address it has seen and the
//! [`MoreVpGame`] parameters, and plays the honest users' part of the protocol automatically: a
//! transfer is handed to its recipients in flight at once (so that they could exit it in flight),
//! and when the block holding it is numbered, the sender and every recipient (the change included)
//! settle it with its inclusion proof. Scenarios that need finer control (faults, watchers, game
//! events) use the components directly.
//!
//! Errors are this crate's [`MoreVpError`] wrapped with `plasma_core::Error::variant("morevp", …)`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BlockSubmittedEvent, Bonds, Capabilities, ChildChain, DepositEvent, Error, GameCall, Periods, SigningKey,
    VariantDriver,
};

use crate::{
    error::MoreVpError,
    game::MoreVpGame,
    operator::{CAPABILITIES, Operator},
    tx::SignedTx,
    wallet::Wallet,
};

/// Name of the design in the harness.
pub const NAME: &str = "morevp";

fn wrap(error: MoreVpError) -> Error {
    Error::variant(NAME, error)
}

/// An operator, the users' wallets and the game, driven as one design.
#[derive(Debug)]
pub struct MoreVpDriver {
    operator: Operator,
    game: MoreVpGame,
    wallets: BTreeMap<Address, Wallet>,
    in_flight: Vec<SignedTx>,
}

impl MoreVpDriver {
    /// A driver over `operator` (whose domain the wallets sign under) and the game `game`.
    #[must_use]
    pub const fn new(operator: Operator, game: MoreVpGame) -> Self {
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
    pub const fn game(&self) -> &MoreVpGame {
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

    /// The owners of `tx`'s outputs, each once.
    fn recipients(tx: &SignedTx) -> Vec<Address> {
        let mut owners: Vec<Address> = tx.tx.used_outputs().map(|(_, o)| o.owner).collect();
        owners.sort();
        owners.dedup();
        owners
    }

    /// Hands `tx` in flight from `from` to every other recipient.
    fn hand_off(&mut self, tx: &SignedTx, from: Address) -> Result<(), MoreVpError> {
        let hash = tx.tx_hash(self.operator.domain());
        let (signed, proofs) = self.wallet_entry(from).handoff(hash)?;
        for owner in Self::recipients(tx).into_iter().filter(|o| *o != from) {
            self.wallet_entry(owner).receive_in_flight(signed.clone(), proofs.clone())?;
        }
        Ok(())
    }

    /// Settles every in-flight transfer the operator has now included, for its sender and its
    /// recipients.
    fn settle(&mut self) -> Result<(), MoreVpError> {
        let mut still_in_flight = Vec::new();
        for tx in std::mem::take(&mut self.in_flight) {
            let Some(inclusion) = self.operator.inclusion(tx.tx_hash(self.operator.domain())) else {
                still_in_flight.push(tx);
                continue;
            };
            let mut parties = Self::recipients(&tx);
            let spenders: Vec<Address> = tx
                .tx
                .named_inputs()
                .filter_map(|(_, p)| self.wallets.iter().find(|(_, w)| w.outputs().contains_key(&p)).map(|(a, _)| *a))
                .collect();
            parties.extend(spenders);
            parties.sort();
            parties.dedup();
            for party in parties {
                self.wallet_entry(party).on_included(&tx, &inclusion)?;
            }
        }
        self.in_flight = still_in_flight;
        Ok(())
    }
}

impl VariantDriver for MoreVpDriver {
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

    /// Pays with no fee, from at most four of `from`'s outputs, change back to `from`; the
    /// recipient gets the transaction in flight.
    fn transfer(&mut self, from: &SigningKey, to: Address, amount: U256) -> plasma_core::Result<B256> {
        let wallet = self.wallet_entry(from.address());
        wallet.set_key(from.clone()).map_err(wrap)?;
        let tx = wallet.pay(to, amount, U256::ZERO).map_err(wrap)?;
        match self.operator.submit_tx(tx.clone()) {
            Ok(hash) => {
                self.hand_off(&tx, from.address()).map_err(wrap)?;
                self.in_flight.push(tx);
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

    /// `startStandardExit` / `startDepositExit` calls for every output `owner`'s wallet holds and
    /// may exit alone, and `startInFlightExit` calls for the transactions it sent still in flight.
    fn exit_calls(&self, owner: Address) -> plasma_core::Result<Vec<GameCall>> {
        Ok(self
            .wallets
            .get(&owner)
            .map(|w| w.exit_calls().iter().map(|c| self.game.call(c)).collect())
            .unwrap_or_default())
    }
}
