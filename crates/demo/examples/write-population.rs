//! Regenerates data/population/ (the demo's registered population and
//! deprivation files) from the demo generator.
fn main() -> std::io::Result<()> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/population");
    for (file, text) in [
        (
            "riverside-gp-reg-pat-prac-lsoa-all.csv",
            linkwork_demo::population::lsoa_all(),
        ),
        (
            "riverside-gp-reg-pat-prac-quin-age.csv",
            linkwork_demo::population::quin_age(),
        ),
        (
            "riverside-iod2019-lsoa.csv",
            linkwork_demo::population::deprivation(),
        ),
    ] {
        let path = format!("{folder}/{file}");
        std::fs::write(&path, text)?;
        println!("wrote {path}");
    }
    Ok(())
}
