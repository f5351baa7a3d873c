//! How the harness drives one Plasma design.
//!
//! [`Variant`] is the object-safe, async face of a design that scenarios run through: each variant
//! crate's operator, wallets, watchers and exit-game calls, wired to the root chain of a [`World`].
//! Every design on the runtime gets it from [`crate::lab::Lab`]; a variant that does not run on
//! the runtime may implement it directly.

use alloy_primitives::U256;
use plasma_core::Capabilities;

use crate::{CheckpointStep, Error, ExitWhat, Fault, World};

/// Whether a variant could carry out a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Done.
    Done,
    /// The design cannot express this step; the reason says why.
    NotApplicable(String),
}

/// Exit outcomes a variant saw on its exit game.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExitCounts {
    /// Exits started.
    pub started: u64,
    /// Exits removed by a successful challenge.
    pub challenged: u64,
    /// Exits paid out.
    pub paid: u64,
}

/// A payment a scenario asks for: `from` pays `to` `amount` wei; with `confirm == false` the payer
/// will not confirm it after inclusion (designs with confirmation signatures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment<'a> {
    /// The payer.
    pub from: &'a str,
    /// The payee.
    pub to: &'a str,
    /// Wei paid.
    pub amount: U256,
    /// Whether the payer confirms it after inclusion.
    pub confirm: bool,
}

/// Exits a scenario asks for: `actor` exits `what`. With `must_fail`, the exit game must refuse
/// every exit the actor tries (the variant returns an error if one is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitRequest<'a> {
    /// Who exits.
    pub actor: &'a str,
    /// What it exits.
    pub what: ExitWhat,
    /// Whether every exit must be refused.
    pub must_fail: bool,
}

/// What a variant says of itself: for reports, `plasma list`, and what `bond` means in scenario
/// amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantInfo {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// One line on the design, for `plasma list`.
    pub summary: &'static str,
    /// What the design supports.
    pub capabilities: Capabilities,
    /// What a user's software must watch to stay safe, in a few words (for the capability table).
    pub must_watch: &'static str,
    /// The exit bond in wei.
    pub exit_bond: U256,
}

impl VariantInfo {
    /// What design `D` says of itself, with the exit bond of its game `game`.
    pub fn of<D: plasma_core::Design>(game: &D::Game) -> Self {
        Self {
            name: D::NAME,
            summary: D::SUMMARY,
            capabilities: D::capabilities(),
            must_watch: D::MUST_WATCH,
            exit_bond: D::exit_bond(game),
        }
    }
}

/// One Plasma design, as a scenario drives it. A fresh value runs each scenario.
#[async_trait::async_trait]
pub trait Variant: Send {
    /// What the variant says of itself.
    fn info(&self) -> VariantInfo;
    /// The name used on the command line and in reports.
    fn name(&self) -> &'static str {
        self.info().name
    }
    /// One line on the design, for `plasma list`.
    fn summary(&self) -> &'static str {
        self.info().summary
    }
    /// What the design supports.
    fn capabilities(&self) -> Capabilities {
        self.info().capabilities
    }
    /// What a user's software must watch to stay safe, in a few words (for the capability table).
    fn must_watch(&self) -> &'static str {
        self.info().must_watch
    }
    /// The exit bond in wei (what `bond` means in scenario amounts).
    fn exit_bond(&self) -> U256 {
        self.info().exit_bond
    }
    /// Deploys the framework and the design's exit game, and sets `world.framework` and
    /// `world.exit_game`.
    async fn deploy(&mut self, world: &mut World) -> Result<(), Error>;
    /// `actor` deposits `amount` wei; the operator picks the deposit up.
    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error>;
    /// The payment `payment` on the child chain.
    async fn transfer(&mut self, world: &mut World, payment: Payment<'_>) -> Result<Support, Error>;
    /// The operator seals a block and commits it; senders hand over what recipients need.
    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error>;
    /// The operator misbehaves as `fault` says.
    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error>;
    /// The exits `exit` asks for (see [`ExitRequest`]).
    async fn exit(&mut self, world: &mut World, exit: ExitRequest<'_>) -> Result<Support, Error>;
    /// `challenger` challenges the newest exit of `target` with what it knows.
    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error>;
    /// Every user's watcher looks at the chain and acts: validates new blocks, challenges bad
    /// exits, exits in time when the operator misbehaves.
    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error>;
    /// The exit outcomes so far, read from the exit game's events.
    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error>;
    /// The operator deposits `amount` wei and merges it into the capacity of `actor`'s newest coin
    /// (designs with channels; the others keep this default).
    async fn add_liquidity(&mut self, _world: &mut World, _actor: &str, _amount: U256) -> Result<Support, Error> {
        Ok(Support::NotApplicable(format!(
            "{} has no operator liquidity (a Plasma Debit channel feature)",
            self.name()
        )))
    }
    /// The operator tries to raise the capacity of `actor`'s newest coin with the coin it deposited
    /// and handed to `holder`; the exit game must refuse (designs with channels; the others keep
    /// this default).
    async fn seize_liquidity(&mut self, _world: &mut World, _actor: &str, _holder: &str) -> Result<Support, Error> {
        Ok(Support::NotApplicable(format!(
            "{} has no operator liquidity (a Plasma Debit channel feature)",
            self.name()
        )))
    }
    /// The operator proposes a checkpoint as `step` says (designs with checkpoints; the others
    /// keep this default).
    async fn checkpoint(&mut self, _world: &mut World, _step: &CheckpointStep) -> Result<Support, Error> {
        Ok(Support::NotApplicable(format!("{} has no checkpoints", self.name())))
    }
}

/// The capability names scenarios use, in report order.
pub const CAPABILITY_NAMES: [&str; 7] = [
    "fungible-amounts",
    "partial-payments",
    "in-flight-exits",
    "confirmation-signatures",
    "checkpoints",
    "channels",
    "exclusion-proofs",
];

/// Whether `capabilities` has the capability a scenario names (`fungible-amounts`, ...).
/// `None` for an unknown name.
pub fn has_capability(capabilities: &Capabilities, name: &str) -> Option<bool> {
    Some(match name {
        "fungible-amounts" => capabilities.fungible_amounts,
        "partial-payments" => capabilities.partial_payments,
        "in-flight-exits" => capabilities.in_flight_exits,
        "confirmation-signatures" => capabilities.confirmation_signatures,
        "checkpoints" => capabilities.checkpoints,
        "channels" => capabilities.channels,
        "exclusion-proofs" => capabilities.exclusion_proofs,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reported_capability_is_known() {
        for name in CAPABILITY_NAMES {
            assert!(has_capability(&Capabilities::NONE, name).is_some(), "{name}");
        }
        assert_eq!(has_capability(&Capabilities::NONE, "teleportation"), None);
    }
}
