//! What the operator can prove from the blocks it holds, in the form the exit game's calls take:
//! the exit arguments of a coin's newest entry with that entry's parent. A holder who lost its
//! data asks the operator for them; the scenario suite's cheating operator draws on the same data,
//! withheld blocks included.

use crate::{
    DebitError, DebitExit, DebitOperator, DepositRecord, ExitArgs, Result, game::no_parent, tx::DebitTxExt as _,
};

impl DebitOperator {
    /// The exit arguments of coin `record.coin_id` from the operator's blocks: the newest block
    /// that holds something at the coin's key, and that entry's parent (the deposit itself when no
    /// block holds the coin).
    pub fn exit_args_of(&self, record: DepositRecord) -> Result<ExitArgs> {
        let coin_id = record.coin_id;
        let newest = self.block_numbers().filter(|b| self.block(*b).is_some_and(|x| x.tx(coin_id).is_some()));
        let Some(blknum) = newest.last() else { return Ok(ExitArgs::Deposit(record)) };
        let block = self.block(blknum).ok_or(DebitError::UnknownBlock(blknum))?;
        // An entry at the coin's key without a leg and signature for the coin proves nothing.
        let missing = || DebitError::NotIncluded { blknum, coin_id };
        let signed = block.tx(coin_id).ok_or_else(missing)?;
        let exiting_sig = signed.sig_for(coin_id).ok_or_else(missing)?;
        let leg = signed.tx.leg(coin_id).ok_or_else(missing)?;
        let exiting = block.included(coin_id, blknum)?;
        let parent = if leg.prev_block == coin_id {
            no_parent()
        } else {
            let parent_block = self.block(leg.prev_block).ok_or(DebitError::UnknownBlock(leg.prev_block))?;
            parent_block.included(coin_id, leg.prev_block)?
        };
        Ok(ExitArgs::Move(Box::new(DebitExit { record, parent, exiting, exiting_sig })))
    }
}
