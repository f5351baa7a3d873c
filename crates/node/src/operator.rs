//! The operator loop: root-chain events in, transactions accepted, blocks sealed and their roots
//! submitted, the operator's own duties sent; and the operator's data as an in-process block source.

use std::marker::PhantomData;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use plasma_abi::PlasmaFramework;
use plasma_core::{BlockNumber, BlockSource, BlockSubmittedEvent, Design, OperatorState, RetryPolicy, Timestamp};
use plasma_rootchain::{RootChain, TxRequest};

use crate::{ActionQueue, Error, LogCursor, Note, Result, Submit};

/// The operator of one deployment.
#[derive(Debug)]
pub struct OperatorRuntime<D: Design, O> {
    operator: O,
    address: Address,
    framework: Address,
    cursor: LogCursor,
    queue: ActionQueue<D::Tag>,
    notes: Vec<Note>,
    _design: PhantomData<D>,
}

impl<D: Design, O: OperatorState<D>> OperatorRuntime<D, O> {
    /// Runs `operator`, sending from `address`, on the framework at `framework` and its exit game
    /// at `exit_game`, reading events from `cursor`.
    #[must_use]
    pub fn new(
        operator: O,
        address: Address,
        (framework, exit_game): (Address, Address),
        cursor: LogCursor,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            operator,
            address,
            framework,
            cursor,
            queue: ActionQueue::new(exit_game, policy),
            notes: Vec::new(),
            _design: PhantomData,
        }
    }

    /// The operator's state.
    pub const fn operator(&self) -> &O {
        &self.operator
    }

    /// The operator's state, to change (the harness makes it misbehave through this).
    pub const fn operator_mut(&mut self) -> &mut O {
        &mut self.operator
    }

    /// What the runtime did since the last call, in order.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Reads the events since the last look and feeds them to the operator; queues what it owes.
    pub async fn poll<R: RootChain + ?Sized>(&mut self, chain: &R) -> Result<()> {
        for dated in self.cursor.poll::<D, R>(chain).await? {
            let decisions = self.operator.on_event(&dated.event, dated.at).map_err(Error::design::<D>)?;
            for decision in decisions {
                self.queue.decide("operator", "operator".to_owned(), decision, dated.at);
            }
        }
        Ok(())
    }

    /// Reads new events first (deposits to credit, exits whose outputs must not be spent), then
    /// checks and queues `tx`.
    pub async fn submit<R: RootChain + ?Sized>(&mut self, chain: &R, tx: D::Tx) -> Result<B256> {
        self.poll(chain).await?;
        self.operator.submit(tx).map_err(Error::design::<D>)
    }

    /// Reads new events, seals the queued transactions, submits the block's root and reads the
    /// framework's record of it back; returns that record.
    pub async fn commit<R: RootChain + ?Sized>(&mut self, chain: &mut R) -> Result<BlockSubmittedEvent> {
        self.poll(chain).await?;
        let root = self.operator.seal().map_err(Error::design::<D>)?;
        let data = PlasmaFramework::submitBlockCall { root }.abi_encode();
        let tx = TxRequest::call(self.address, self.framework, data).with_value(U256::ZERO);
        let receipt = chain.send(tx).await?;
        if !receipt.success {
            return Err(Error::Submission(receipt.revert_reason.unwrap_or_default()));
        }
        let event = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::BlockSubmitted::decode_log(log).ok())
            .ok_or_else(|| Error::Submission("no BlockSubmitted event".into()))?;
        let blknum = u64::try_from(event.blknum).map_err(|_| Error::Submission("block number overflows".into()))?;
        self.poll(chain).await?;
        Ok(BlockSubmittedEvent { blknum, root: event.root, timestamp: event.timestamp })
    }

    /// Sends what the operator owes and is due.
    pub async fn flush<S: Submit + ?Sized>(&mut self, chain: &mut S) -> Result<()> {
        let operator = &self.operator;
        self.queue.retain(|queued| operator.still_wanted(&queued.decision.tag));
        for queued in self.queue.flush(chain, &mut self.notes).await? {
            self.operator.on_action_done(&queued.decision.tag);
        }
        Ok(())
    }

    /// Queues a decision of the operator's made outside an event (a duty the caller computed).
    pub fn decide(&mut self, decision: plasma_core::Decision<D::Tag>, now: Timestamp) {
        self.queue.decide("operator", "operator".to_owned(), decision, now);
    }
}

/// An operator in the same process, as a block source.
#[derive(Debug)]
pub struct InProcess<'a, O>(pub &'a O);

impl<D: Design, O: OperatorState<D> + Sync> BlockSource<D> for InProcess<'_, O> {
    type Error = core::convert::Infallible;

    async fn block_data(&self, blknum: BlockNumber) -> Result<Option<D::BlockData>, Self::Error> {
        Ok(self.0.block_data(blknum))
    }
}
