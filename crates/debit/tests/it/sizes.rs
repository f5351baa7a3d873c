//! Size measurements (`docs/debit.md`, "History"): the wire sizes of Debit transactions and
//! channel states, and what a holder stores for a coin after ten blocks in which eight coins pay
//! each other in pairs. Printed with `--nocapture`; the figures follow from the formula, which the
//! test checks entry by entry.

use crate::common::{ETH, Sim, milli};
use plasma_debit::{Entry, SignedDebitTx, tx};

#[test]
fn wire_sizes_and_stored_bytes_after_ten_blocks() {
    assert_eq!((tx::SINGLE_LEN, tx::PAYMENT_LEN, tx::TX_LEN + 2 * tx::SIG_LEN), (385, 450, 450));
    let mut sim = Sim::new(8);
    let coins: Vec<_> = (0..8)
        .map(|i| {
            let user = sim.user(i);
            sim.deposit(user, ETH)
        })
        .collect();
    for (coin, wallet) in coins.iter().zip(&mut sim.wallets) {
        sim.op.on_liquidity(coin.coin_id, ETH).unwrap();
        wallet.on_liquidity(coin.coin_id, ETH);
    }
    // Ten blocks: in block r, coin i pays coin (i + r + 1) % 8 when neither is paired yet.
    for round in 0..10 {
        let mut busy = [false; 8];
        for from in 0..8 {
            let to = (from + round + 1) % 8;
            if busy[from] || busy[to] || from == to {
                continue;
            }
            let leg = sim.wallets[to].invoice(coins[to].coin_id, milli(10)).unwrap();
            let (t, sig_from) = sim.wallets[from].pay(coins[from].coin_id, &leg).unwrap();
            let sig_to = sim.wallets[to].accept_payment(&t, coins[to].coin_id, milli(10)).unwrap();
            sim.op.submit(SignedDebitTx::new(t, vec![sig_from, sig_to])).unwrap();
            (busy[from], busy[to]) = (true, true);
        }
        sim.seal();
    }
    let held = sim.wallets[0].coin(coins[0].coin_id).unwrap();
    let (mut moved, mut stayed) = (0, 0);
    let mut expected = 60;
    for (_, entry) in held.history.entries() {
        expected += 8 + entry.proof().to_bytes().len();
        if let Entry::Moved { tx, .. } = entry {
            moved += 1;
            expected += 450 + tx.peer_proof.as_ref().unwrap().to_bytes().len();
        } else {
            stayed += 1;
        }
    }
    let stored = sim.wallets[0].stored_bytes(coins[0].coin_id);
    assert_eq!(stored, expected);
    assert_eq!(moved + stayed, 10);
    println!(
        "Debit coin after 10 blocks of 8 coins ({moved} payments, {stayed} blocks without a move): {stored} bytes"
    );
}
