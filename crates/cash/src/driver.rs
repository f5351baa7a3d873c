//! [`CashDriver`]: Plasma Cash behind plasma-core's object-safe `VariantDriver`, for scenarios
//! written once for every design.
//!
//! It bundles an honest [`Operator`], one [`Wallet`] per address it has seen and the [`CashGame`]
//! parameters, and plays the honest users' part of the protocol: every wallet learns every root;
//! when a block is numbered, every wallet extends its coins' histories from the operator's proofs,
//! and each sender hands the full history of a coin it paid to the recipient, who verifies it
//! before accepting the coin.
//!
//! A transfer moves one whole coin: `transfer(from, to, amount)` pays a coin of `from` whose
//! denomination is exactly `amount`. Any other amount is a partial payment, which Plasma Cash does
//! not support: `plasma_core::Error::Unsupported`. Other errors are this crate's [`CashError`]
//! wrapped with `plasma_core::Error::variant("cash", …)`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BlockSubmittedEvent, Bonds, Capabilities, ChildChain, DepositEvent, Error, GameCall, Periods, SigningKey,
    VariantDriver,
};

use crate::{
    error::CashError,
    game::CashGame,
    history::Roots,
    operator::{CAPABILITIES, Operator},
    wallet::Wallet,
};

/// Name of the design in the harness.
pub const NAME: &str = "cash";

fn wrap(error: CashError) -> Error {
    Error::variant(NAME, error)
}

/// An operator, the users' wallets and the game, driven as one design.
#[derive(Debug)]
pub struct CashDriver {
    operator: Operator,
    game: CashGame,
    roots: Roots,
    wallets: BTreeMap<Address, Wallet>,
    /// Payments submitted and not yet handed over: coin, sender, recipient.
    in_flight: Vec<(u64, Address, Address)>,
}

impl CashDriver {
    /// A driver over `operator` and the game `game`.
    #[must_use]
    pub const fn new(operator: Operator, game: CashGame) -> Self {
        Self { operator, game, roots: Roots::new(), wallets: BTreeMap::new(), in_flight: Vec::new() }
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
    pub const fn game(&self) -> &CashGame {
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

    /// The wallet of `owner`, created (watch-only, with every root seen so far) if new.
    fn wallet_entry(&mut self, owner: Address) -> Result<&mut Wallet, CashError> {
        if !self.wallets.contains_key(&owner) {
            let mut wallet = Wallet::watch_only(owner, *self.operator.domain());
            for (blknum, root) in &self.roots {
                wallet.learn_root(*blknum, *root)?;
            }
            self.wallets.insert(owner, wallet);
        }
        self.wallets.get_mut(&owner).ok_or(CashError::NoKey(owner))
    }

    /// Every wallet extends its histories; each included payment's history goes to its recipient.
    fn settle(&mut self) -> Result<(), CashError> {
        for wallet in self.wallets.values_mut() {
            wallet.sync(&self.operator)?;
        }
        let mut still_in_flight = Vec::new();
        for (coin_id, from, to) in std::mem::take(&mut self.in_flight) {
            let sender = self.wallet_entry(from)?;
            if sender.owns(coin_id) {
                still_in_flight.push((coin_id, from, to));
                continue;
            }
            let history = sender.handover(coin_id)?;
            self.wallet_entry(to)?.receive(history)?;
        }
        self.in_flight = still_in_flight;
        Ok(())
    }
}

impl VariantDriver for CashDriver {
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

    /// Mints the coin and tells every wallet the deposit's root (the depositor's starts the coin's
    /// history).
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> plasma_core::Result<()> {
        self.operator.apply_deposit(deposit).map_err(wrap)?;
        self.roots.insert(deposit.blknum, plasma_core::deposit_root(deposit.depositor, deposit.amount));
        self.wallet_entry(deposit.depositor).map_err(wrap)?;
        for wallet in self.wallets.values_mut() {
            wallet.on_deposit(deposit).map_err(wrap)?;
        }
        Ok(())
    }

    /// Pays a whole coin of `from` whose denomination is `amount` to `to`. No such coin:
    /// `Unsupported` (Plasma Cash moves whole coins only).
    fn transfer(&mut self, from: &SigningKey, to: Address, amount: U256) -> plasma_core::Result<B256> {
        let wallet = self.wallet_entry(from.address()).map_err(wrap)?;
        wallet.set_key(from.clone()).map_err(wrap)?;
        let coin = wallet
            .spendable_coins()
            .into_iter()
            .find(|coin| wallet.deposit_record(*coin).is_some_and(|r| r.amount == amount))
            .ok_or(Error::Unsupported { variant: NAME, operation: "payments that are not exactly one whole coin" })?;
        let tx = wallet.pay(coin, to).map_err(wrap)?;
        match self.operator.submit_tx(tx) {
            Ok(hash) => {
                self.in_flight.push((coin, from.address(), to));
                self.wallet_entry(to).map_err(wrap)?;
                Ok(hash)
            }
            Err(e) => {
                wallet_cancel(self.wallets.get_mut(&from.address()), coin);
                Err(wrap(e))
            }
        }
    }

    fn build_block(&mut self) -> plasma_core::Result<B256> {
        self.operator.build_block().map(|b| b.root()).map_err(wrap)
    }

    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> plasma_core::Result<()> {
        self.operator.on_block_submitted(event).map_err(wrap)?;
        self.roots.insert(event.blknum, event.root);
        for wallet in self.wallets.values_mut() {
            wallet.on_block_submitted(event).map_err(wrap)?;
        }
        self.settle().map_err(wrap)
    }

    /// `startExit` / `startDepositExit` calls for every coin `owner`'s wallet holds.
    fn exit_calls(&self, owner: Address) -> plasma_core::Result<Vec<GameCall>> {
        Ok(self
            .wallets
            .get(&owner)
            .map(|w| w.exit_claims().iter().map(|c| self.game.exit_call(c)).collect())
            .unwrap_or_default())
    }
}

fn wallet_cancel(wallet: Option<&mut Wallet>, coin_id: u64) {
    if let Some(wallet) = wallet {
        wallet.cancel(coin_id);
    }
}
