//! `DebitOperator::submit_batch` (signers recovered on every core first) gives exactly the results
//! of submitting the same transactions one by one, refusals included.

use plasma_core::{ChildChain, Domain};
use plasma_debit::bench::one_input_workload;

fn domain() -> Domain {
    Domain::new(31_337, alloy_primitives::Address::repeat_byte(0xfa))
}

#[test]
fn a_batch_gives_the_results_of_one_by_one_submission() {
    let mut batch = one_input_workload(600, domain()).unwrap();
    let mut one_by_one = one_input_workload(600, domain()).unwrap();
    // Refusals among the valid ones: the same coin twice, and a signature of another transaction.
    let mut txs = batch.txs.clone();
    txs.insert(10, txs[3].clone());
    let mut forged = txs[20].clone();
    forged.sigs = txs[21].sigs.clone();
    txs.insert(30, forged);
    let batched: Vec<String> = batch.operator.submit_batch(txs.clone()).into_iter().map(|r| format!("{r:?}")).collect();
    let sequential: Vec<String> =
        txs.into_iter().map(|tx| format!("{:?}", one_by_one.operator.submit_tx(tx))).collect();
    assert_eq!(batched, sequential);
    assert_eq!(batched.iter().filter(|r| r.starts_with("Err")).count(), 2, "{batched:?}");
    let roots = (batch.operator.build_block().unwrap().root(), one_by_one.operator.build_block().unwrap().root());
    assert_eq!(roots.0, roots.1);
}
