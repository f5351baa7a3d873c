//! What the operator can prove from the blocks it holds, in the form the exit game's calls take:
//! a transaction with its inclusion proof, the standard (or deposit) exit of an output, the
//! arguments of an in-flight exit with its inputs' proofs, and a competitor of an in-flight
//! transaction for a canonicity challenge. A user who lost its data asks the operator for them;
//! the scenario suite's cheaters draw on the same data, withheld blocks included.

use alloy_primitives::{B256, Bytes};
use plasma_core::BlockNumber;

use crate::{
    CanonicityChallenge, DepositExit, ExitCall, InFlightExit, InputProof, Invalidity, MoreVpError, Operator, Output,
    PaymentTx, Result, SignedTx, StandardExit, UtxoPos, tx::PaymentTxExt as _,
};

impl Operator {
    /// Transaction `txindex` of block `blknum` as the operator holds it, with its inclusion proof.
    pub fn tx_with_proof(&self, blknum: BlockNumber, txindex: u64) -> Result<(SignedTx, Bytes)> {
        let record = self.block(blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        let signed = record.block.tx(txindex).ok_or(MoreVpError::TxIndexOutOfRange { blknum, txindex })?;
        let inclusion = self.inclusion_at(blknum, txindex)?;
        Ok((signed.clone(), inclusion.proof.to_bytes()))
    }

    /// The standard exit of output `pos` (a deposit exit for a deposit), paying `output`.
    pub fn exit_call_of(&self, pos: UtxoPos, output: &Output) -> Result<ExitCall> {
        if pos.is_deposit() {
            let (blknum, owner, amount) = (pos.blknum(), output.owner, output.amount);
            return Ok(ExitCall::StartDepositExit(DepositExit { blknum, owner, amount }));
        }
        let (signed, proof) = self.tx_with_proof(pos.blknum(), u64::from(pos.txindex()))?;
        Ok(ExitCall::StartStandardExit(StandardExit { utxo_pos: pos, tx: signed.tx, proof }))
    }

    /// The arguments of an in-flight exit of `signed`, with the proofs of its inputs.
    pub fn in_flight_exit_of(&self, signed: &SignedTx) -> Result<InFlightExit> {
        let mut input_txs = Vec::new();
        for (_, input) in signed.tx.named_inputs() {
            let proof = if input.is_deposit() {
                let output = self.deposit(input.blknum()).ok_or(MoreVpError::UnknownOutput(input))?;
                InputProof { tx: PaymentTx::deposit_record(output.owner, output.amount), proof: Bytes::new() }
            } else {
                let (creating, proof) = self.tx_with_proof(input.blknum(), u64::from(input.txindex()))?;
                InputProof { tx: creating.tx, proof }
            };
            input_txs.push(proof);
        }
        Ok(InFlightExit { tx: signed.tx.clone(), sigs: signed.sigs_bytes(), input_txs })
    }

    /// The in-flight exit arguments of the transaction of hash `hash`, included in one of the
    /// operator's blocks.
    pub fn in_flight_exit_of_included(&self, hash: B256) -> Result<InFlightExit> {
        let inclusion = self.inclusion(hash).ok_or(MoreVpError::UnknownTx(hash))?;
        let (signed, _) = self.tx_with_proof(inclusion.blknum, u64::from(inclusion.txindex))?;
        self.in_flight_exit_of(&signed)
    }

    /// A canonicity challenge against the in-flight exit of `tx`: the first transaction of the
    /// operator's blocks that spends one of `tx`'s inputs, with its position, proof and signature.
    /// `None` when its blocks hold no competitor.
    pub fn competitor_of(&self, tx: &PaymentTx) -> Result<Option<CanonicityChallenge>> {
        let domain = *self.domain();
        let hash = tx.hash(&domain);
        for blknum in self.child_blocks() {
            let Some(record) = self.block(blknum) else { continue };
            for (txindex, competing) in (0u64..).zip(record.block.txs()) {
                if competing.tx.hash(&domain) == hash {
                    continue;
                }
                for (input_index, input) in tx.named_inputs() {
                    let Some((slot, _)) = competing.tx.named_inputs().find(|(_, other)| *other == input) else {
                        continue;
                    };
                    let (_, proof) = self.tx_with_proof(blknum, txindex)?;
                    let unsigned = || {
                        let (expected, got) = (usize::from(slot) + 1, competing.sigs.len());
                        MoreVpError::InvalidTx(Invalidity::SignatureCount { expected, got })
                    };
                    let sig = competing.sigs.get(usize::from(slot)).ok_or_else(unsigned)?;
                    return Ok(Some(CanonicityChallenge {
                        tx: tx.clone(),
                        input_index,
                        competing_tx: competing.tx.clone(),
                        competing_input_index: slot,
                        competing_tx_pos: Some(UtxoPos::tx(blknum, txindex)?),
                        competing_proof: proof,
                        competing_sig: Bytes::copy_from_slice(&sig.to_bytes()),
                    }));
                }
            }
        }
        Ok(None)
    }
}
