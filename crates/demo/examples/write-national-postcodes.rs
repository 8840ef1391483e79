//! Writes a synthetic national postcode lookup (NSPL format) of COUNT rows,
//! for benchmarks at national scale:
//! `cargo run --release -p linkwork-demo --example write-national-postcodes -- 2700000 nspl.csv`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .ok_or("usage: write-national-postcodes COUNT FILE")?
        .parse()?;
    let path = args
        .next()
        .ok_or("usage: write-national-postcodes COUNT FILE")?;
    std::fs::write(&path, linkwork_demo::postcodes::national_nspl(count))?;
    println!("wrote {count} postcodes to {path}");
    Ok(())
}
