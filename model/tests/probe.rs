use mailspec_model::configuration;
use stateright::{Checker, Model};
#[test]
fn probe() {
    let name = std::env::var("CFG").unwrap_or("small".into());
    for model in configuration(&name).unwrap().unwrap() {
        let scope = model.scope;
        let start = std::time::Instant::now();
        let checker = model.checker().threads(2).spawn_bfs().join();
        let d = checker.discoveries();
        let mut names: Vec<_> = d.keys().collect();
        names.sort();
        println!("{scope}: unique {} total {} depth {} in {:?}; discoveries {:?}", checker.unique_state_count(), checker.state_count(), checker.max_depth(), start.elapsed(), names);
    }
}
