//! Writes COUNT generated services as an ORUK 3.0 JSON file, for import
//! benchmarks: `cargo run --release -p linkwork-demo --example write-directory -- 100000 services.json`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .ok_or("usage: write-directory COUNT FILE")?
        .parse()?;
    let path = args.next().ok_or("usage: write-directory COUNT FILE")?;
    std::fs::write(&path, linkwork_demo::directory_feed(count))?;
    println!("wrote {count} services to {path}");
    Ok(())
}
