//! `CashClient` as the runtime drives it (`plasma_core::UserClient`): deposits learned from
//! events, a payment announced with its history and handed over once included, refusals that
//! leave the payee's state untouched, and the user's own exits.

use crate::common::{Framework, domain, game, key, wei};
use plasma_cash::{Cash, CashClient, CashError, CashTag, CashTx, Handover, Operator, tx::CashTxExt};
use plasma_core::{
    BlockNumber, ChainEvent, ChildChain, ExitScope, FrameworkEvent, OperatorState, UserClient, alloy_primitives::U256,
};

/// An operator and the clients of alice and bob, both watching, fed every root-chain event.
struct Net {
    fw: Framework,
    op: Operator,
    clients: [CashClient; 2],
}

impl Net {
    fn new() -> Self {
        let client = |seed| CashClient::new(key(seed), domain(), game(), true);
        Self { fw: Framework::default(), op: Operator::new(domain()), clients: [client("alice"), client("bob")] }
    }

    fn event(&mut self, event: FrameworkEvent) {
        self.op.on_framework_event(&event).unwrap();
        for client in &mut self.clients {
            client.on_event(&ChainEvent::Framework(event), 1).unwrap();
        }
    }

    fn deposit(&mut self, who: usize, amount: u64) -> u64 {
        let event = self.fw.deposit(self.clients[who].user(), wei(amount));
        self.event(FrameworkEvent::Deposit(event));
        event.blknum
    }

    /// Seals, submits and lets every client judge the block with the operator's data.
    fn seal(&mut self) -> BlockNumber {
        let root = self.op.build_block().unwrap().root();
        let event = self.fw.submit(root);
        self.event(FrameworkEvent::BlockSubmitted(event));
        let data = OperatorState::<Cash>::block_data(&self.op, event.blknum);
        for client in &mut self.clients {
            assert_eq!(client.next_block_wanted(), Some(event.blknum));
            client.on_block_data(event.blknum, data.as_ref(), 2).unwrap();
        }
        event.blknum
    }
}

#[test]
fn a_payment_is_announced_then_handed_over_once_included() {
    let mut net = Net::new();
    let coin = net.deposit(0, 10);
    assert_eq!(net.clients[0].balance(), wei(10));
    let bob = net.clients[1].user();
    // No coin of another amount; a cancelled payment frees the coin.
    assert!(matches!(net.clients[0].pay(bob, wei(9)), Err(CashError::InvalidPayment(_))));
    let tx = net.clients[0].pay(bob, wei(10)).unwrap();
    net.clients[0].cancel(&tx);
    let tx = net.clients[0].pay(bob, wei(10)).unwrap();
    assert_eq!((tx.tx.coinId, tx.tx.newOwner), (coin, bob));

    // Announced with the coin's history before it is sent; the payee checks it in full.
    let announced = net.clients[0].hand_over(&tx, None).unwrap().unwrap();
    assert!(matches!(announced, Handover::Announced { .. }));
    assert!(net.clients[1].receive(&announced).unwrap().is_empty());
    net.op.submit_tx(tx).unwrap();
    let blknum = net.seal();

    // Once included: the history through the payment; the payee then owns the coin.
    let data = OperatorState::<Cash>::block_data(&net.op, blknum).unwrap();
    let included = net.clients[0].hand_over(&tx, Some((blknum, &data))).unwrap().unwrap();
    net.clients[1].receive(&included).unwrap();
    assert_eq!((net.clients[0].balance(), net.clients[1].balance()), (U256::ZERO, wei(10)));

    // Bob's own exit: one decision, the exit bond attached; alice has nothing left to exit.
    let exits = net.clients[1].exits(ExitScope::All, 100).unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!((exits[0].tag, exits[0].call.value, exits[0].sender), (CashTag::OwnExit(coin), game().exit_bond, bob));
    assert!(net.clients[0].exits(ExitScope::All, 100).unwrap().is_empty());
}

#[test]
fn a_forged_announcement_is_refused_and_changes_nothing() {
    let mut net = Net::new();
    let coin = net.deposit(0, 10);
    let bob = net.clients[1].user();
    // Bob signs a payment of alice's coin to himself and announces it with alice's real history.
    let history = net.clients[0].wallet().handover(coin).unwrap();
    let forged = CashTx::new(coin, coin, bob).sign(&domain(), &key("bob"));
    let lie = Handover::Announced { tx: forged, history: history.clone() };
    assert!(net.clients[1].receive(&lie).is_err());
    // Bob passes alice's coin on to carol with alice's history: it does not end with him.
    let to_carol = CashTx::new(coin, coin, key("carol").address()).sign(&domain(), &key("bob"));
    assert!(net.clients[1].receive(&Handover::Announced { tx: to_carol, history }).is_err());
    // Nothing was taken: bob expects no payment and owns nothing; alice still owns her coin.
    assert_eq!(net.clients[1].balance(), U256::ZERO);
    assert!(net.clients[1].wallet().owned_coins().is_empty());
    assert_eq!(net.clients[0].wallet().owned_coins(), vec![coin]);
}
