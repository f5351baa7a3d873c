//! The scenario format: actors, steps and expectations, written in TOML.
//!
//! ```toml
//! name = "honest-lifecycle"
//! description = "Deposit, two transfers, exits, processing."
//! actors = ["alice", "bob"]          # the operator is always there
//! requires = ["fungible-amounts"]    # capabilities; without them: not applicable by design
//!
//! [[step]]
//! do = "deposit"
//! actor = "alice"
//! amount = "1 ether"
//!
//! [[step]]
//! do = "transfer"
//! from = "alice"
//! to = "bob"
//! amount = "0.4 ether"
//!
//! [[step]]
//! do = "commit-block"
//!
//! [[step]]
//! do = "exit"
//! actor = "bob"                      # exits every output bob holds
//!
//! [[step]]
//! do = "advance-time"
//! periods = 2.5                      # in minimum exit periods
//!
//! [[step]]
//! do = "process-exits"
//!
//! [expect.balance-change]              # root-chain ETH change once everyone has withdrawn
//! alice = "-0.4 ether"
//! bob = "0.4 ether"
//!
//! [expect]
//! framework = "0 ether"              # what the framework still holds at the end
//! exits-paid = 2
//! ```
//!
//! Steps: `deposit`, `transfer`, `commit-block`, `fault` (an operator fault, see [`Fault`]),
//! `exit`, `challenge` (only in scenarios that test the challenge call itself), `advance-time`,
//! `process-exits`, `run-watchers`, `offline` and `online` (no watcher runs in between),
//! `lose-sends` (the network loses an actor's next watcher
//! transactions) and `checkpoint` (see [`CheckpointStep`]). Watchers also run after every step on their own, as real
//! users' software would. Amounts are `<number> ether|gwei|wei|bond` terms joined by `+` or `-`;
//! `bond` is the variant's exit bond.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Error;

/// A scenario as written in a TOML file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Short unique name, used in reports.
    pub name: String,
    /// One or two sentences on what the scenario shows.
    pub description: String,
    /// The users taking part, besides the operator (at most nine).
    pub actors: Vec<String>,
    /// Capabilities the scenario needs (`fungible-amounts`, `confirmation-signatures`, ...).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Actors who side with a cheater: they run no watcher (the operator never runs one).
    #[serde(default)]
    pub colluding: Vec<String>,
    /// What happens, in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
    /// What must hold at the end.
    pub expect: Expectations,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case", rename_all_fields = "kebab-case", deny_unknown_fields)]
pub enum Step {
    /// `actor` deposits `amount` into the framework.
    Deposit {
        /// Who deposits.
        actor: String,
        /// How much.
        amount: Amount,
    },
    /// `from` pays `to` `amount` on the child chain (not yet in a block).
    Transfer {
        /// Payer.
        from: String,
        /// Payee.
        to: String,
        /// How much.
        amount: Amount,
        /// Whether the payer confirms the payment once it is included (designs with
        /// confirmation signatures); `false` keeps the payer's right to exit the input.
        #[serde(default = "yes")]
        confirm: bool,
        /// The payment must be refused (by the operator, or by a recipient that cannot verify
        /// what it would receive); the step fails if it goes through.
        #[serde(default)]
        must_fail: bool,
    },
    /// The operator seals pending transactions into a block and commits its root.
    CommitBlock,
    /// The operator misbehaves.
    Fault {
        /// How.
        fault: Fault,
    },
    /// `actor` starts exits of everything it holds (or only of `what`).
    Exit {
        /// Who exits.
        actor: String,
        /// Which outputs or coins.
        #[serde(default)]
        what: ExitWhat,
        /// The exit game must refuse the exit (the step fails if it is accepted).
        #[serde(default)]
        must_fail: bool,
        /// The exit game may refuse the exit (designs differ: one checks what another leaves to
        /// its users' watchers); a refusal is logged and the scenario goes on. The expectations
        /// decide whether the run passes.
        #[serde(default)]
        may_fail: bool,
    },
    /// `challenger` challenges the newest exit of `target` (only for scenarios that test the
    /// challenge call; watchers challenge on their own otherwise).
    Challenge {
        /// Who challenges.
        challenger: String,
        /// Whose exit.
        target: String,
    },
    /// Root-chain time moves forward by `periods` minimum exit periods (or `seconds`).
    AdvanceTime {
        /// In minimum exit periods.
        #[serde(default)]
        periods: f64,
        /// In seconds, added to `periods`.
        #[serde(default)]
        seconds: u64,
    },
    /// Anyone processes mature exits (`max` per call, 100 by default).
    ProcessExits {
        /// Batch size.
        #[serde(default = "default_batch")]
        max: u64,
    },
    /// Watchers run once more (they also run after every step).
    RunWatchers,
    /// Every user's software goes offline: no watcher runs until `online`.
    Offline,
    /// The users' software is back: the watchers read every event of the gap at once, each dated
    /// by its block, and act on what is still in time.
    Online,
    /// The network loses the next `count` transactions `actor`'s watcher sends before they are
    /// mined: the watcher must send each again before its deadline.
    LoseSends {
        /// Whose transactions.
        actor: String,
        /// How many.
        count: u32,
    },
    /// The operator deposits `amount` and merges it into the capacity of `actor`'s newest coin
    /// (designs with channels: Plasma Debit's liquidity).
    AddLiquidity {
        /// Whose coin gets the capacity.
        actor: String,
        /// How much.
        amount: Amount,
        /// Instead of a fresh deposit, the operator tries to fund it with the coin it deposited and
        /// handed to this actor (a seizure the exit game must refuse; `amount` is then unused).
        #[serde(default)]
        taken_from: Option<String>,
    },
    /// The operator proposes a checkpoint of every coin's state after the latest block (designs
    /// with checkpoints); honest owners' software signs off its coins first, and the operator sets
    /// the bits of the sign-offs it got (and of `false-bits`).
    Checkpoint(CheckpointStep),
}

/// How a `checkpoint` step goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckpointStep {
    /// Owners who do not sign off (offline) but whose coins' bits the operator sets anyway.
    #[serde(default)]
    pub false_bits: Vec<String>,
    /// Owners who sign off and then challenge their own bits anyway (with their latest
    /// transaction of each coin up to the checkpoint's block, also of coins they paid away).
    #[serde(default)]
    pub griefers: Vec<String>,
    /// Forged states, `owner -> thief`: the checkpoint names `thief` as the owner of `owner`'s
    /// coins, and `owner` (colluding, or a leaked key) signs it off, so their bits are set; a later
    /// owner who receives such a coin after the checkpoint's block defends with its own receipt.
    /// An `owner` also in `false_bits` signs nothing: the bit is set on the forged state anyway.
    #[serde(default)]
    pub forged_states: std::collections::BTreeMap<String, String>,
    /// The operator's zone runs past the checkpoint's block, over coins deposited after it (a
    /// checkpoint speaking of coins that did not exist at its block).
    #[serde(default)]
    pub zone_past_block: bool,
    /// The exit game must refuse the proposal.
    #[serde(default)]
    pub must_fail: bool,
    /// The operator answers no challenge of this checkpoint.
    #[serde(default)]
    pub unanswered: bool,
    /// The step fails unless, when the checkpoint finalises, the bytes every signing owner stores
    /// shrink.
    #[serde(default)]
    pub must_shrink: bool,
}

fn default_batch() -> u64 {
    100
}

fn yes() -> bool {
    true
}

/// Which of an actor's holdings an exit step exits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitWhat {
    /// Everything the actor holds.
    #[default]
    All,
    /// Only the most recently received output or coin.
    Newest,
    /// An output the actor has already spent (what a cheater does).
    Spent,
    /// An in-flight exit of the newest payment to or from the actor that is not known to be
    /// included, piggybacking the actor's own outputs of it (designs with in-flight exits).
    InFlight,
    /// An in-flight exit of the transaction that paid the actor an output it has since spent,
    /// piggybacking that output (what a cheater does; designs with in-flight exits).
    SpentInFlight,
    /// The actor starts an in-flight exit of an included transaction that spent one of its
    /// outputs to itself (whose own output it spent since), piggybacks the input, and at once
    /// challenges the exit's canonicity with a second spend of that input that it signs now and
    /// never publishes: a false verdict would pay the input back while the later spends stand
    /// (what a cheater does; designs with in-flight exits).
    FalseCanonicity,
    /// The actor exits its coins from their last included states and at once challenges each exit
    /// with a co-signed channel state older than its latest one, hoping the operator cannot answer
    /// (what a cheating holder does; designs with channels).
    StaleState,
}

/// An operator fault, as a scenario step.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Fault {
    /// The operator includes a transaction that spends `victim`'s newest output to
    /// `beneficiary` without `victim`'s signature.
    InvalidTransaction {
        /// Whose output is stolen.
        victim: String,
        /// Who receives it.
        beneficiary: String,
        /// The forgery goes first in the block, ahead of the transactions already queued (designs
        /// whose payments need confirmations: an honest payment of the same output in the same
        /// block comes after it).
        #[serde(default)]
        ahead: bool,
    },
    /// The operator includes a second, conflicting spend of an output `victim` already spent.
    DoubleSpend {
        /// Whose spent output is spent again.
        victim: String,
        /// Who receives it.
        beneficiary: String,
    },
    /// The operator includes a second spend of an output or coin that `owner` already spent,
    /// signed by `owner` (a cheating owner the operator colludes with), paying `beneficiary`.
    SignedDoubleSpend {
        /// The cheating owner who signs twice.
        owner: String,
        /// Who receives the second spend.
        beneficiary: String,
    },
    /// The operator includes a spend of the output or coin whose exit `owner` started most
    /// recently (paid or not), signed by `owner` (a cheating owner the operator colludes with),
    /// paying `beneficiary`: a spend of value that is being exited, or was paid out, is invalid.
    SpendExited {
        /// The cheating owner who exits and then spends.
        owner: String,
        /// Who receives the spend.
        beneficiary: String,
    },
    /// The operator commits the next block but publishes none of its data.
    WithholdBlock,
    /// Two transactions spending `owner`'s newest output, both signed by the cheating `owner` and
    /// both paying its whole amount to `beneficiary` (one in a single output, one in two halves),
    /// in one block the operator withholds; the operator later answers canonicity challenges
    /// against their in-flight exits with their inclusion (plasma-contracts #102).
    CompetingPair {
        /// The cheating owner who signs both.
        owner: String,
        /// Who both pay.
        beneficiary: String,
        /// Whether the operator answers the canonicity challenges (default `true`).
        #[serde(default = "yes")]
        answered: bool,
    },
    /// A payment that names `owner`'s newest output twice as its inputs and pays `beneficiary`
    /// twice its amount, signed by the cheating `owner` and included by the operator
    /// (plasma-contracts #56).
    DuplicateInput {
        /// The cheating owner.
        owner: String,
        /// Who the inflated output pays.
        beneficiary: String,
    },
    /// The rearrangement attack on Plasma Cash (protocols.md 3.6): the pending payments go into a
    /// withheld block, a later withheld block forges a spend of the paid coins to `beneficiary`,
    /// and a third withheld block has `beneficiary` move them to itself, ready to exit.
    Rearrange {
        /// Who receives the forged spends.
        beneficiary: String,
    },
    /// The operator includes in the pending block an older co-signed channel state of `holder`'s
    /// coin than the latest one (a transaction the holder signed); with `answered = false` it
    /// then answers no channel challenge of that coin (designs with channels).
    StaleState {
        /// Whose channel.
        holder: String,
        /// Whether the operator answers channel challenges of the coin (default `true`).
        #[serde(default = "yes")]
        answered: bool,
    },
    /// The operator seals the pending atomic payment from `payer` to `payee` into a block of its
    /// own that holds it at the payer's coin's key only, and commits it (designs with channels).
    OneSlotPayment {
        /// Whose coin the payment debits.
        payer: String,
        /// Whose coin it credits.
        payee: String,
    },
    /// The operator includes an output of `amount` for `beneficiary` created from nothing.
    Mint {
        /// Who receives it.
        beneficiary: String,
        /// How much.
        amount: Amount,
    },
}

/// What must hold at the end of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expectations {
    /// Root-chain ETH change of each named actor (the operator is `operator`), after everyone
    /// has withdrawn what the framework owes them, gas fees excluded.
    #[serde(default)]
    pub balance_change: BTreeMap<String, Amount>,
    /// ETH the framework still holds at the end.
    #[serde(default)]
    pub framework: Option<Amount>,
    /// Exits paid out.
    #[serde(default)]
    pub exits_paid: Option<u64>,
    /// Exits removed by a challenge.
    #[serde(default)]
    pub exits_challenged: Option<u64>,
}

/// An amount in wei, possibly negative, written as terms like `1.5 ether - 1 bond`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// Fixed part, in wei.
    pub wei: i128,
    /// Multiples of the variant's exit bond.
    pub bonds: i128,
}

impl Amount {
    /// Resolves the amount for a variant whose exit bond is `bond` wei.
    pub fn resolve(&self, bond: u128) -> Result<i128, Error> {
        let bond = i128::try_from(bond).map_err(|_| Error::Scenario("bond too large".into()))?;
        self.bonds
            .checked_mul(bond)
            .and_then(|bonds| bonds.checked_add(self.wei))
            .ok_or_else(|| Error::Scenario("amount overflows".into()))
    }

    /// Parses `"<number> <unit>"` terms joined by `+` or `-`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Scenario(format!("amount {text:?}: {why}"));
        let mut amount = Self { wei: 0, bonds: 0 };
        let spaced = text.replace('+', " + ").replace('-', " - ");
        let mut sign = 1i128;
        let mut tokens = spaced.split_whitespace().peekable();
        while let Some(token) = tokens.next() {
            match token {
                "+" => sign = 1,
                "-" => sign = -sign,
                number => {
                    let unit = tokens.next().ok_or_else(|| bad("a number needs a unit"))?;
                    if unit == "bond" || unit == "bonds" {
                        let count: i128 = number.parse().map_err(|_| bad("bond counts are whole numbers"))?;
                        amount.bonds += sign * count;
                    } else {
                        amount.wei +=
                            sign * parse_decimal(number, unit).ok_or_else(|| bad("unknown number or unit"))?;
                    }
                    sign = 1;
                }
            }
        }
        Ok(amount)
    }
}

/// `number` (decimal, up to the unit's precision) times the unit, in wei.
fn parse_decimal(number: &str, unit: &str) -> Option<i128> {
    let decimals: u32 = match unit {
        "ether" | "eth" => 18,
        "gwei" => 9,
        "wei" => 0,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.len() > decimals as usize || whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.is_empty() || s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    let scale = 10i128.checked_pow(decimals)?;
    let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction_scaled: i128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i128>().ok()?.checked_mul(10i128.checked_pow(decimals - fraction.len() as u32)?)?
    };
    whole.checked_mul(scale)?.checked_add(fraction_scaled)
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Amount::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Scenario {
    /// Parses and checks a scenario file's text.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        let scenario: Scenario = toml::from_str(text).map_err(|err| Error::Scenario(err.to_string()))?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Every actor a step or expectation names is declared, and no amount to move is negative.
    fn check(&self) -> Result<(), Error> {
        if self.actors.len() > crate::world::MAX_ACTORS {
            return Err(Error::Scenario(format!("at most {} actors", crate::world::MAX_ACTORS)));
        }
        let known = |name: &String| name == "operator" || self.actors.contains(name);
        let mut named: Vec<&String> = self.expect.balance_change.keys().chain(&self.colluding).collect();
        for step in &self.steps {
            match step {
                Step::Deposit { actor, amount } => {
                    named.push(actor);
                    non_negative(amount)?;
                }
                Step::Transfer { from, to, amount, .. } => {
                    named.extend([from, to]);
                    non_negative(amount)?;
                }
                Step::Exit { actor, .. } => named.push(actor),
                Step::AddLiquidity { actor, amount, taken_from } => {
                    named.push(actor);
                    named.extend(taken_from);
                    non_negative(amount)?;
                }
                Step::Challenge { challenger, target } => named.extend([challenger, target]),
                Step::LoseSends { actor, .. } => named.push(actor),
                Step::Checkpoint(checkpoint) => named.extend(
                    checkpoint
                        .false_bits
                        .iter()
                        .chain(&checkpoint.griefers)
                        .chain(checkpoint.forged_states.iter().flat_map(|(owner, thief)| [owner, thief])),
                ),
                Step::Fault { fault } => match fault {
                    Fault::InvalidTransaction { victim, beneficiary, .. }
                    | Fault::DoubleSpend { victim, beneficiary }
                    | Fault::SignedDoubleSpend { owner: victim, beneficiary }
                    | Fault::SpendExited { owner: victim, beneficiary }
                    | Fault::CompetingPair { owner: victim, beneficiary, .. }
                    | Fault::DuplicateInput { owner: victim, beneficiary } => named.extend([victim, beneficiary]),
                    Fault::Rearrange { beneficiary } => named.push(beneficiary),
                    Fault::StaleState { holder, .. } => named.push(holder),
                    Fault::OneSlotPayment { payer, payee } => named.extend([payer, payee]),
                    Fault::Mint { beneficiary, amount } => {
                        named.push(beneficiary);
                        non_negative(amount)?;
                    }
                    Fault::WithholdBlock => {}
                },
                Step::AdvanceTime { periods, .. } if !periods.is_finite() || *periods < 0.0 => {
                    return Err(Error::Scenario("advance-time periods must be a non-negative number".into()));
                }
                Step::CommitBlock
                | Step::AdvanceTime { .. }
                | Step::ProcessExits { .. }
                | Step::RunWatchers
                | Step::Offline
                | Step::Online => {}
            }
        }
        match named.into_iter().find(|name| !known(name)) {
            Some(name) => Err(Error::Scenario(format!("{name:?} is not among the actors"))),
            None => Ok(()),
        }
    }
}

fn non_negative(amount: &Amount) -> Result<(), Error> {
    if amount.wei < 0 || amount.bonds < 0 {
        return Err(Error::Scenario("amounts moved must not be negative".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETH: i128 = 1_000_000_000_000_000_000;

    #[test]
    fn amounts_parse_with_units_signs_and_bonds() {
        assert_eq!(Amount::parse("1 ether").unwrap(), Amount { wei: ETH, bonds: 0 });
        assert_eq!(Amount::parse("0.25 ether").unwrap().wei, ETH / 4);
        assert_eq!(Amount::parse("-0.4 ether + 1 bond").unwrap(), Amount { wei: -4 * ETH / 10, bonds: 1 });
        assert_eq!(Amount::parse("2 gwei - 1 wei").unwrap().wei, 1_999_999_999);
        assert_eq!(Amount::parse("1 bond").unwrap().resolve(7).unwrap(), 7);
        for bad in ["1", "1 dogecoin", "0.0000000000000000001 ether", "x ether", "1.5 bond", ". ether"] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scenarios_parse_and_unknown_actors_are_rejected() {
        let text = r#"
            name = "t"
            description = "d"
            actors = ["alice"]
            [[step]]
            do = "deposit"
            actor = "alice"
            amount = "1 ether"
            [[step]]
            do = "fault"
            fault = { kind = "withhold-block" }
            [[step]]
            do = "advance-time"
            periods = 2.5
            [expect]
            framework = "0 ether"
            exits-paid = 1
            [expect.balance-change]
            alice = "0 ether"
        "#;
        let scenario = Scenario::from_toml(text).unwrap();
        assert_eq!(scenario.steps.len(), 3);
        assert_eq!(scenario.steps[1], Step::Fault { fault: Fault::WithholdBlock });
        assert_eq!(scenario.expect.exits_paid, Some(1));
        let unknown = text.replace("actor = \"alice\"", "actor = \"eve\"");
        assert!(matches!(Scenario::from_toml(&unknown), Err(Error::Scenario(m)) if m.contains("eve")));
        let typo = text.replace("do = \"deposit\"", "do = \"deposti\"");
        assert!(Scenario::from_toml(&typo).is_err());
        let negative = text.replace("amount = \"1 ether\"", "amount = \"-1 ether\"");
        assert!(Scenario::from_toml(&negative).is_err());
    }
}
