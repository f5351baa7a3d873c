//! `XtClient` as the runtime drives it (`plasma_core::UserClient`): a coin deposited, paid and
//! handed over through the Cash layer, the payee's own exit, and sign-offs given only for the
//! state the user's own history shows (a forged state is refused by its victim and its thief).

use std::collections::BTreeMap;

use crate::common::{domain, game, key};
use plasma_cash::{Cash, Operator};
use plasma_core::{
    BlockNumber, ChainEvent, ChildChain, ExitScope, FrameworkEvent, OperatorState, UserClient, alloy_primitives::U256,
};
use plasma_testkit::Framework;
use plasma_xt::{CoinState, Handover, StateCheckpoint, XtClient, XtEvent, XtTag, Zone};

/// An operator and the clients of alice and bob, both watching, fed every root-chain event.
struct Net {
    fw: Framework,
    op: Operator,
    clients: [XtClient; 2],
}

impl Net {
    fn new() -> Self {
        let client = |seed| XtClient::new(key(seed), domain(), game(4000), true);
        Self { fw: Framework::default(), op: Operator::new(domain()), clients: [client("alice"), client("bob")] }
    }

    fn event(&mut self, event: FrameworkEvent) {
        self.op.on_framework_event(&event).unwrap();
        for client in &mut self.clients {
            client.on_event(&ChainEvent::<XtEvent>::Framework(event), 1).unwrap();
        }
    }

    /// Seals, submits and lets every client judge the block with the operator's data.
    fn seal(&mut self) -> BlockNumber {
        let root = self.op.build_block().unwrap().root();
        let event = self.fw.submit(root);
        self.event(FrameworkEvent::BlockSubmitted(event));
        let data = OperatorState::<Cash>::block_data(&self.op, event.blknum);
        for client in &mut self.clients {
            client.on_block_data(event.blknum, data.as_ref(), 2).unwrap();
        }
        event.blknum
    }
}

#[test]
fn a_coin_is_paid_handed_over_and_signed_off_only_as_it_stands() {
    let mut net = Net::new();
    let (alice, bob) = (net.clients[0].user(), net.clients[1].user());
    let deposit = net.fw.deposit(alice, U256::from(10));
    net.event(FrameworkEvent::Deposit(deposit));
    let coin = deposit.blknum;
    assert_eq!(net.clients[0].balance(), U256::from(10));

    // Alice pays bob: announced before it is sent, handed over once included.
    let tx = net.clients[0].pay(bob, U256::from(10)).unwrap();
    let announced = net.clients[0].hand_over(&tx, None).unwrap().unwrap();
    assert!(matches!(announced, Handover::Cash(_)));
    net.clients[1].receive(&announced).unwrap();
    net.op.submit_tx(tx).unwrap();
    let k = net.seal();
    let data = OperatorState::<Cash>::block_data(&net.op, k).unwrap();
    let included = net.clients[0].hand_over(&tx, Some((k, &data))).unwrap().unwrap();
    net.clients[1].receive(&included).unwrap();
    assert_eq!((net.clients[0].balance(), net.clients[1].balance()), (U256::ZERO, U256::from(10)));
    let exits = net.clients[1].exits(ExitScope::All, 100).unwrap();
    assert_eq!(exits.iter().map(|d| d.tag).collect::<Vec<_>>(), [XtTag::Cash(plasma_cash::CashTag::OwnExit(coin))]);

    // A checkpoint of block K: bob signs off the state his history shows (his, moved at K)...
    let zone = Zone::new(coin, 1).unwrap();
    let state =
        |owner, last_moved| StateCheckpoint::new(k, zone, BTreeMap::from([(coin, CoinState { owner, last_moved })]));
    let honest = state(bob, k).unwrap();
    assert!(net.clients[1].sign_off(k, honest.root(), coin, honest.proof(coin)).is_ok());
    // ...and nobody signs off a forged one giving the coin back to alice: not bob, whose coin it
    // would take, and not alice, whose history says she paid it away.
    let forged = state(alice, coin).unwrap();
    assert!(net.clients[1].sign_off(k, forged.root(), coin, forged.proof(coin)).is_err());
    assert!(net.clients[0].sign_off(k, forged.root(), coin, forged.proof(coin)).is_err());
}
