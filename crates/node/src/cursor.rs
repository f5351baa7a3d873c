//! The root-chain log cursor: every framework and exit-game log read once, in chain order,
//! decoded and dated by its block.

use alloy_primitives::Address;
use alloy_sol_types::SolEvent;
use plasma_abi::PlasmaFramework;
use plasma_core::{BlockSubmittedEvent, ChainEvent, DepositEvent, Design, FrameworkEvent, Timestamp};
use plasma_rootchain::{LogFilter, RootChain};

use crate::{Error, Result};

/// An event with the root-chain block that recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dated<E> {
    /// The event.
    pub event: E,
    /// The root-chain block number.
    pub block: u64,
    /// The block's timestamp: when it happened, by the root chain's clock.
    pub at: Timestamp,
}

/// Reads a deployment's logs from where it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogCursor {
    framework: Address,
    exit_game: Address,
    next_block: u64,
}

impl LogCursor {
    /// A cursor over the framework at `framework` and the exit game at `exit_game`, from
    /// root-chain block `from_block` on.
    #[must_use]
    pub const fn new(framework: Address, exit_game: Address, from_block: u64) -> Self {
        Self { framework, exit_game, next_block: from_block }
    }

    /// The first root-chain block not read yet.
    #[must_use]
    pub const fn next_block(&self) -> u64 {
        self.next_block
    }

    /// Every log since the last poll, decoded, oldest first; the cursor moves past them. A log of
    /// either contract that is none of the events the runtime knows is skipped; one that is a known
    /// event but does not decode is an error, and the cursor does not move.
    pub async fn poll<D: Design, C: RootChain + ?Sized>(
        &mut self,
        chain: &C,
    ) -> Result<Vec<Dated<ChainEvent<D::GameEvent>>>> {
        let latest = chain.block_number().await?;
        if latest < self.next_block {
            return Ok(Vec::new());
        }
        let filter = |address| LogFilter {
            address: Some(address),
            from_block: self.next_block,
            to_block: Some(latest),
            topic0: None,
        };
        let mut logs = chain.logs(&filter(self.framework)).await?;
        logs.extend(chain.logs(&filter(self.exit_game)).await?);
        // Stable: logs of one block keep their order within each contract, framework first.
        logs.sort_by_key(|entry| entry.block_number);
        let mut events = Vec::with_capacity(logs.len());
        for entry in logs {
            let event = if entry.log.address == self.framework {
                framework_event(&entry.log, entry.block_number)?.map(ChainEvent::Framework)
            } else {
                D::decode_game_event(&entry.log).map_err(Error::design::<D>)?.map(ChainEvent::Game)
            };
            if let Some(event) = event {
                events.push(Dated { event, block: entry.block_number, at: entry.block_timestamp });
            }
        }
        self.next_block = latest + 1;
        Ok(events)
    }
}

/// Decodes a framework log into the event the designs take (`None`: an event they do not need).
fn framework_event(log: &alloy_primitives::Log, block: u64) -> Result<Option<FrameworkEvent>> {
    let topic = log.topics().first().copied();
    let decode = |detail: alloy_sol_types::Error| Error::Decode { block, detail: detail.to_string() };
    if topic == Some(PlasmaFramework::DepositCreated::SIGNATURE_HASH) {
        let event = PlasmaFramework::DepositCreated::decode_log(log).map_err(decode)?;
        let blknum = u64::try_from(event.blknum)
            .map_err(|_| Error::Decode { block, detail: format!("deposit block {} overflows", event.blknum) })?;
        return Ok(Some(FrameworkEvent::Deposit(DepositEvent {
            depositor: event.depositor,
            blknum,
            amount: event.amount,
        })));
    }
    if topic == Some(PlasmaFramework::BlockSubmitted::SIGNATURE_HASH) {
        let event = PlasmaFramework::BlockSubmitted::decode_log(log).map_err(decode)?;
        let blknum = u64::try_from(event.blknum)
            .map_err(|_| Error::Decode { block, detail: format!("child block {} overflows", event.blknum) })?;
        return Ok(Some(FrameworkEvent::BlockSubmitted(BlockSubmittedEvent {
            blknum,
            root: event.root,
            timestamp: event.timestamp,
        })));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes, Log, LogData, U256};
    use alloy_sol_types::SolEvent;

    use super::*;

    fn log(topics: Vec<B256>, data: Vec<u8>) -> Log {
        Log { address: Address::repeat_byte(1), data: LogData::new_unchecked(topics, Bytes::from(data)) }
    }

    #[test]
    fn framework_events_decode_and_malformed_ones_are_errors() {
        let depositor = Address::repeat_byte(9);
        let event = PlasmaFramework::DepositCreated { depositor, blknum: U256::from(1), amount: U256::from(5) };
        let good = Log { address: Address::repeat_byte(1), data: event.encode_log_data() };
        assert!(matches!(framework_event(&good, 3), Ok(Some(FrameworkEvent::Deposit(DepositEvent { blknum: 1, .. })))));
        // The event's signature with a truncated body: the chain said something malformed.
        let topics = good.topics().to_vec();
        assert!(matches!(framework_event(&log(topics, vec![1, 2, 3]), 3), Err(Error::Decode { block: 3, .. })));
        // A block number beyond u64 is refused, not truncated.
        let huge = PlasmaFramework::DepositCreated { depositor, blknum: U256::from(u128::MAX), amount: U256::from(5) };
        let huge = Log { address: Address::repeat_byte(1), data: huge.encode_log_data() };
        assert!(matches!(framework_event(&huge, 3), Err(Error::Decode { .. })));
        // Another event of the framework is none the designs need.
        assert!(matches!(framework_event(&log(vec![B256::repeat_byte(5)], Vec::new()), 3), Ok(None)));
    }
}
