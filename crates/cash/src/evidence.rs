//! What the operator can prove from the blocks it holds, in the form the exit game's calls take: a
//! coin's transaction in a block with its inclusion, the exit claim of a coin's last move, and the
//! answer to a history challenge. A user who lost its data asks the operator for them; the scenario
//! suite's cheating operator draws on the same data, withheld blocks included.

use alloy_primitives::Address;
use plasma_core::{BlockNumber, Signature};

use crate::{
    CashError, CashExit, DepositExit, ExitClaim, Included, Operator, Result, SignedCashTx,
    game::{HistoryResponse, IncludedExt as _},
    tx::CashTxExt as _,
};

impl Operator {
    /// The transaction of `coin_id` in block `blknum` as the operator holds it (published or
    /// withheld), with its inclusion and its owner's signature.
    pub fn included_at(&self, coin_id: u64, blknum: BlockNumber) -> Result<(Included, Signature)> {
        let record = self.block(blknum).ok_or(CashError::UnknownBlock(blknum))?;
        let tx: &SignedCashTx = record.block.tx(coin_id).ok_or(CashError::NotIncluded { blknum, coin_id })?;
        let proof = record.block.inclusion_proof(coin_id, blknum)?;
        Ok((Included::new(tx.tx, blknum, &proof), tx.sig))
    }

    /// The exit claim of `coin_id` from the operator's blocks: its deposit, or its last move with
    /// that move's parent.
    pub fn exit_claim_of(&self, coin_id: u64) -> Result<ExitClaim> {
        let coin = self.coin(coin_id).ok_or(CashError::UnknownCoin(coin_id))?;
        let record = coin.deposit;
        if coin.last_moved == coin_id {
            return Ok(ExitClaim::Deposit(DepositExit { coin_id, amount: record.amount }));
        }
        let (exiting, exiting_sig) = self.included_at(coin_id, coin.last_moved)?;
        let parent = if exiting.tx.spends_deposit() {
            Included::none()
        } else {
            self.included_at(coin_id, exiting.tx.prevBlock)?.0
        };
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: record.depositor,
            amount: record.amount,
            parent,
            exiting,
            exiting_sig,
        })))
    }

    /// The answer to a history challenge of `coin_id` at block `challenged` against an exit whose
    /// parent block is `prev_blk`: a direct child of the challenged transaction, signed by
    /// `owner` (the challenged transaction's new owner), in the operator's blocks after
    /// `challenged` up to `prev_blk`. `None` when its blocks hold none.
    pub fn history_answer(
        &self,
        coin_id: u64,
        challenged: BlockNumber,
        owner: Address,
        prev_blk: BlockNumber,
    ) -> Option<HistoryResponse> {
        for blknum in self.child_blocks().filter(|b| *b > challenged && *b <= prev_blk) {
            let Ok((response, sig)) = self.included_at(coin_id, blknum) else { continue };
            let signer = SignedCashTx::new(response.tx, sig).signer(self.domain());
            if response.tx.prevBlock == challenged && signer.is_ok_and(|s| s == owner) {
                return Some(HistoryResponse { coin_id, challenge_blk: challenged, response, sig });
            }
        }
        None
    }
}
