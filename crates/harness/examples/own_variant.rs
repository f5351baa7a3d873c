//! Running the scenario suite on a variant written outside plasma-lab.
//!
//! A design plugs into the harness by implementing [`plasma_harness::Variant`]: deploy its exit
//! game on the shared framework, then carry out the steps scenarios ask for (deposits, payments,
//! blocks, operator faults, exits, challenges) and run its users' watchers. Here the "new" design
//! is Plasma MVP with a bond of its own, delegating every step, so that the example stays short;
//! a real one puts its own operator, wallets and watchers behind the same methods.
//!
//! ```sh
//! cargo run -p plasma-harness --example own_variant
//! ```

use alloy_primitives::U256;
use plasma_harness::{
    Error, ExitCounts, ExitRequest, Fault, Outcome, Payment, Support, Variant, VariantInfo, World, builtin_scenarios,
    run_scenario, variants::MvpVariant,
};
use plasma_rootchain::EmbeddedEvm;

/// A design of one's own: here, MVP under another name.
struct MyVariant(MvpVariant);

#[async_trait::async_trait]
impl Variant for MyVariant {
    fn info(&self) -> VariantInfo {
        VariantInfo {
            name: "my-variant",
            summary: "Plasma MVP, run as a variant from outside the workspace's list",
            ..self.0.info()
        }
    }
    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        self.0.deploy(world).await
    }
    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        self.0.deposit(world, actor, amount).await
    }
    async fn transfer(&mut self, world: &mut World, payment: Payment<'_>) -> Result<Support, Error> {
        self.0.transfer(world, payment).await
    }
    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        self.0.commit_block(world).await
    }
    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        self.0.inject_fault(world, fault).await
    }
    async fn exit(&mut self, world: &mut World, exit: ExitRequest<'_>) -> Result<Support, Error> {
        self.0.exit(world, exit).await
    }
    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        self.0.challenge(world, challenger, target).await
    }
    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        self.0.run_watchers(world).await
    }
    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        self.0.exit_counts(world).await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut failed = 0;
    for scenario in builtin_scenarios()? {
        let mut variant = MyVariant(MvpVariant::new());
        let chain = Box::new(EmbeddedEvm::new());
        let run = run_scenario(&mut variant, chain, &scenario, plasma_contracts::DEFAULT_MIN_EXIT_PERIOD, None).await;
        println!("{:<40} {:?}", run.name, run.outcome);
        failed += usize::from(run.outcome == Outcome::Fail);
    }
    if failed > 0 {
        return Err(Error::Scenario(format!("{failed} scenarios failed")));
    }
    Ok(())
}
