//! `cargo xtask bench wasm`: what a browser downloads.

use std::process::Command;

use crate::{
    cmd::{self, Error, Result},
    tools,
};

/// Builds the release bundle and reports what a browser downloads.
pub fn wasm() -> Result<()> {
    tools::ensure_build_tools()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let pkg = cmd::root().join("target/site/pkg");
    // Node's zlib has brotli and gzip built in, so no extra tool is needed.
    let script = r#"
const fs = require('fs'), zlib = require('zlib'), path = require('path');
for (const name of ['parkway.wasm', 'parkway.js', 'parkway.css']) {
  const file = path.join(process.argv[1], name);
  if (!fs.existsSync(file)) { console.log(`${name}: missing`); continue; }
  const raw = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  const gz = zlib.gzipSync(raw, { level: 9 });
  const kb = n => (n / 1024).toFixed(1) + ' KiB';
  console.log(`${name.padEnd(18)} raw ${kb(raw.length).padStart(10)}   gzip ${kb(gz.length).padStart(10)}   brotli ${kb(br.length).padStart(10)}`);
}
"#;
    let report = cmd::output(Command::new("node").arg("-e").arg(script).arg(&pkg))
        .map_err(|err| Error::Failed(format!("could not measure the bundle: {err}")))?;
    println!("{report}");
    Ok(())
}
