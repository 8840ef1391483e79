//! Regenerates data/postcodes/riverside-nspl.csv from the demo generator.
fn main() -> std::io::Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/postcodes/riverside-nspl.csv"
    );
    std::fs::write(path, linkwork_demo::postcodes::generate())?;
    println!("wrote {path}");
    Ok(())
}
