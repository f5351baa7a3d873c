//! The Plasma XT operator: Plasma Cash's [`Operator`] for coins and blocks, plus the checkpoints it
//! proposed and its on-chain duties behind [`OperatorState`]: it answers every challenge of a bit
//! of its checkpoints with the challenged owner's sign-off, the leaf a later owner's challenge
//! names, or the owner's spend up to `K` ([`operator_response`]), and finalises each checkpoint
//! once it is due ([`XtOperator::finalizations_due`]).
//!
//! Proposing is the operator's own initiative (which block, which coins, whose sign-offs): the
//! caller builds the [`StateCheckpoint`], sends `proposeCheckpoint` and registers it with
//! [`XtOperator::proposed`].
//!
//! # Operator misbehaviour (fault injection)
//!
//! [`XtOperator::neglect`] makes the operator leave every challenge of one checkpoint unanswered;
//! an honest operator never calls it.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256};
use plasma_cash::{CashBlock, CashEvent, Operator, SignedCashTx};
use plasma_core::{BlockNumber, ChainEvent, ChildChain, Decision, Domain, GameCall, OperatorState, Role, Timestamp};

use crate::{
    XtError,
    checkpoint::StateCheckpoint,
    design::{Xt, XtEvent, XtTag},
    game::XtGame,
    watcher::{Response, operator_response},
};

/// A checkpoint the operator proposed.
#[derive(Clone, Debug)]
struct Proposed {
    state: StateCheckpoint,
    finalizable_at: Timestamp,
    open: bool,
    answers: bool,
}

/// The XT operator.
#[derive(Clone, Debug)]
pub struct XtOperator {
    cash: Operator,
    address: Address,
    checkpoints: BTreeMap<u64, Proposed>,
}

impl XtOperator {
    /// An operator with no state for the deployment `domain`, sending from `address`.
    #[must_use]
    pub const fn new(domain: Domain, address: Address) -> Self {
        Self { cash: Operator::new(domain), address, checkpoints: BTreeMap::new() }
    }

    /// The Plasma Cash operator underneath: coins, blocks, proofs.
    #[must_use]
    pub const fn cash(&self) -> &Operator {
        &self.cash
    }

    /// The Plasma Cash operator underneath, to change.
    pub const fn cash_mut(&mut self) -> &mut Operator {
        &mut self.cash
    }

    /// Registers checkpoint `id`, proposed with `state` (and the sign-offs collected in it), which
    /// can be finalised from `finalizable_at`.
    pub fn proposed(&mut self, id: u64, state: StateCheckpoint, finalizable_at: Timestamp) {
        self.checkpoints.insert(id, Proposed { state, finalizable_at, open: true, answers: true });
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Leaves every challenge of
    /// checkpoint `id` unanswered.
    pub fn neglect(&mut self, id: u64) {
        if let Some(checkpoint) = self.checkpoints.get_mut(&id) {
            checkpoint.answers = false;
        }
    }

    /// The state of checkpoint `id`, as proposed.
    #[must_use]
    pub fn checkpoint(&self, id: u64) -> Option<&StateCheckpoint> {
        self.checkpoints.get(&id).map(|proposed| &proposed.state)
    }

    /// Whether checkpoint `id` is still open (neither finalised nor void).
    #[must_use]
    pub fn is_open(&self, id: u64) -> bool {
        self.checkpoints.get(&id).is_some_and(|proposed| proposed.open)
    }

    /// The finalisations due at `now`: every open checkpoint past its `finalizableAt`.
    #[must_use]
    pub fn finalizations_due(&self, now: Timestamp) -> Vec<Decision<XtTag>> {
        self.checkpoints
            .iter()
            .filter(|(_, proposed)| proposed.open && now >= proposed.finalizable_at)
            .map(|(id, _)| Decision {
                by: Role::Owner,
                tag: XtTag::Finalize(*id),
                sender: self.address,
                call: XtGame::finalize_checkpoint_call(*id),
                deadline: Timestamp::MAX,
                what: format!("finalises checkpoint {id}"),
            })
            .collect()
    }

    /// The honest answer to the challenge of `coin_id`'s bit at `challenge_blk`, naming `owner`,
    /// on checkpoint `id`: `None` when the operator holds none (a forged state) or neglects it.
    #[must_use]
    pub fn answer(&self, id: u64, coin_id: u64, challenge_blk: BlockNumber, owner: Address) -> Option<GameCall> {
        let proposed = self.checkpoints.get(&id).filter(|proposed| proposed.answers)?;
        let response =
            operator_response(&proposed.state, &self.cash, self.cash.domain(), coin_id, challenge_blk, owner)?;
        Some(match response {
            Response::SignOff(sig) => XtGame::respond_sign_off_call(id, coin_id, challenge_blk, &sig),
            Response::Spend(spend, sig) => XtGame::respond_spend_call(id, challenge_blk, &spend, &sig),
            Response::Leaf(proof) => XtGame::respond_leaf_call(id, coin_id, challenge_blk, &proof),
        })
    }
}

impl OperatorState<Xt> for XtOperator {
    fn on_event(&mut self, event: &ChainEvent<XtEvent>, _at: Timestamp) -> Result<Vec<Decision<XtTag>>, XtError> {
        match event {
            ChainEvent::Framework(framework) => self.cash.on_chain_event(&ChainEvent::Framework(*framework))?,
            ChainEvent::Game(XtEvent::Cash(cash)) => {
                self.cash.on_chain_event(&ChainEvent::<CashEvent>::Game(cash.clone()))?;
            }
            ChainEvent::Game(XtEvent::CheckpointChallenged {
                checkpoint_id, coin_id, blknum, owner, deadline, ..
            }) => {
                let Some(call) = self.answer(*checkpoint_id, *coin_id, *blknum, *owner) else {
                    return Ok(Vec::new());
                };
                return Ok(vec![Decision {
                    by: Role::Owner,
                    tag: XtTag::Answer { checkpoint_id: *checkpoint_id, coin_id: *coin_id, challenge_blk: *blknum },
                    sender: self.address,
                    call,
                    deadline: *deadline,
                    what: format!(
                        "answers the challenge of coin {coin_id} at block {blknum} on checkpoint {checkpoint_id}"
                    ),
                }]);
            }
            ChainEvent::Game(
                XtEvent::CheckpointFinalized { checkpoint_id, .. } | XtEvent::CheckpointVoided { checkpoint_id, .. },
            ) => {
                if let Some(proposed) = self.checkpoints.get_mut(checkpoint_id) {
                    proposed.open = false;
                }
            }
            ChainEvent::Game(_) => {}
        }
        Ok(Vec::new())
    }

    fn submit(&mut self, tx: SignedCashTx) -> Result<B256, XtError> {
        Ok(self.cash.submit_tx(tx)?)
    }

    fn seal(&mut self) -> Result<B256, XtError> {
        Ok(self.cash.build_block()?.root())
    }

    fn block_data(&self, blknum: BlockNumber) -> Option<CashBlock> {
        self.cash.published_block(blknum).ok().cloned()
    }

    fn still_wanted(&self, tag: &XtTag) -> bool {
        match tag {
            XtTag::Finalize(id) => self.is_open(*id),
            _ => true,
        }
    }

    fn on_action_done(&mut self, tag: &XtTag) {
        if let XtTag::Finalize(id) = tag
            && let Some(proposed) = self.checkpoints.get_mut(id)
        {
            proposed.open = false;
        }
    }
}
