//! Properties of random payment sequences (`docs/debit.md`): the operator's coin states and every
//! holder's verified history agree after every block, and payments never change the sum of the
//! holders' balances (nor, therefore, the operator's total share).

use crate::common::{ETH, Sim};
use plasma_debit::SignedDebitTx;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn wallets_and_operator_agree_and_payments_conserve_balances(
        payments in prop::collection::vec((0usize..4, 0usize..4, 0u128..=1000, any::<bool>()), 1..12)
    ) {
        let mut sim = Sim::new(4);
        let coins: Vec<_> = (0..4).map(|i| {
            let user = sim.user(i);
            sim.deposit(user, ETH * (i as u128 + 1))
        }).collect();
        let total: u128 = (1..=4).map(|i| ETH * i).sum();
        // The operator doubles every coin's capacity, so that coins have room for credits.
        for (i, coin) in coins.iter().enumerate() {
            sim.op.on_liquidity(coin.coin_id, ETH * (i as u128 + 1)).unwrap();
            sim.wallets[i].on_liquidity(coin.coin_id, ETH * (i as u128 + 1));
        }
        let mut included = 0u64;
        for (from, to, per_mille, seal_now) in payments {
            if from == to {
                continue;
            }
            let (coin_from, coin_to) = (coins[from].coin_id, coins[to].coin_id);
            let (balance, _) = sim.wallets[from].balance(coin_from).unwrap();
            let amount = balance * per_mille / 1000;
            // The payee's coin may have no room for it: the wallet refuses, nothing is sent.
            let Ok(leg) = sim.wallets[to].invoice(coin_to, amount) else { continue };
            let (tx, sig_from) = sim.wallets[from].pay(coin_from, &leg).unwrap();
            let sig_to = sim.wallets[to].accept_payment(&tx, coin_to, amount).unwrap();
            // A coin already in the pending block waits for the next one.
            if sim.op.submit(SignedDebitTx::new(tx, vec![sig_from, sig_to])).is_err() {
                continue;
            }
            included += 1;
            if seal_now {
                sim.seal();
            }
        }
        sim.seal();
        let (mut sum, mut nonces) = (0, 0);
        for (i, coin) in coins.iter().enumerate() {
            let tip = sim.wallets[i].tip(coin.coin_id).unwrap();
            let state = sim.op.coin(coin.coin_id).unwrap();
            prop_assert_eq!((tip.owner, tip.balance, tip.nonce, tip.last_moved), (state.holder, state.balance, state.nonce, state.last_moved));
            prop_assert!(tip.balance <= state.capacity);
            sum += tip.balance;
            nonces += tip.nonce;
        }
        prop_assert_eq!(sum, total);
        // Every included payment raised both its coins' nonces, by one or more: the nonce of a
        // payment the operator refused was signed and is never signed again.
        prop_assert!(nonces >= 2 * included);
    }
}
