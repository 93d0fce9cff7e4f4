//! Writes the demo catalog's descriptor files into the folder given (default
//! `demo/catalog`); the committed copy must equal this output (a test checks).

fn main() -> std::io::Result<()> {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "demo/catalog".into()));
    for (path, text) in parkway_demo_cluster::catalog::files(parkway_demo_cluster::catalog::DEMO_SERVICES) {
        let file = root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, text)?;
        println!("{}", file.display());
    }
    Ok(())
}
