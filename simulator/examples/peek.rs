use mailspec_model::scenarios;
use mailspec_sim::Reference;
fn main() {
    for scenario in scenarios::catalog() {
        let mut reference = Reference::new(scenarios::world(), 1);
        for step in &scenario.steps { let o = reference.apply(&step.op); if scenario.name.starts_with("link_content") || scenario.name.starts_with("escrow_disc") { println!("  {:?} -> {}", step.op, o); } }
        let objects = reference.stored_objects();
        let total: usize = objects.iter().map(|o| o.bytes.len()).sum();
        println!("{}: {} objects, {} bytes, links {:?}, stats {:?}", scenario.name, objects.len(), total, reference.delivered_links().len(), reference.stats());
        if scenario.name.starts_with("link_content") { for o in &objects { println!("    {} {} {}", o.id, o.kind, o.bytes.len()); } }
    }
}
