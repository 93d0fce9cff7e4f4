//! `cargo xtask image`: Parkway's container image, built with buildah as the
//! `Containerfile`'s `runtime` stage, and checked from the OCI archive it writes.
//!
//! No container registry is reachable here, so no base image can be pulled. The
//! `runtime` stage is `FROM scratch` anyway; what the other stages make (the root
//! filesystem from Debian packages, the build) is made on the host instead, with the same
//! script (`deploy/image/rootfs.sh`), and put in place of their `COPY --from` lines.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    cmd::{self, Error, Result},
    tools,
};

/// `--debug` builds the image around a development build (minutes sooner; for trying
/// the manifests, not for production).
pub fn build(args: &[&str]) -> Result<()> {
    let release = !args.contains(&"--debug");
    ensure_buildah()?;
    tools::ensure_build_tools()?;
    cmd::step("building Parkway without the demo endpoint (production build)");
    tools::leptos_build_with(release, false)?;
    let binary = tools::server_binary(release)?;
    let version = crate_version()?;
    let archive = assemble(&binary, &version)?;
    check(&archive, &version)?;
    let size = fs::metadata(&archive).map(|m| m.len()).unwrap_or(0);
    cmd::step(&format!(
        "image parkway:{version} written to {} ({:.1} MiB); load it with `podman load -i` or push it with `skopeo copy oci-archive:{} docker://REGISTRY/parkway:{version}`",
        archive.display(),
        size as f64 / 1024.0 / 1024.0,
        archive.display()
    ));
    Ok(())
}

/// The check `cargo xtask test` runs: the image assembled around the binary it built
/// (a development build with the demo endpoint; the layout, user and entry point are
/// the production image's), then checked as [`check`] does.
pub fn test_with(binary: &Path) -> Result<()> {
    ensure_buildah()?;
    let version = crate_version()?;
    let archive = assemble(binary, &version)?;
    check(&archive, &version)
}

fn ensure_buildah() -> Result<()> {
    if cmd::available("buildah", "--version").is_some() {
        return Ok(());
    }
    if !cmd::is_root() {
        return Err(Error::Missing(
            "buildah is missing: sudo apt-get install -y buildah".into(),
        ));
    }
    cmd::step("installing buildah from Debian");
    cmd::status(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "buildah"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn buildah() -> Command {
    let mut command = Command::new("buildah");
    // No kernel overlay or user namespaces are needed this way (TOOLCHAIN.md).
    command.args(["--storage-driver", "vfs"]);
    command
}

fn crate_version() -> Result<String> {
    let manifest =
        fs::read_to_string(cmd::root().join("Cargo.toml")).map_err(|e| Error::io("reading Cargo.toml", e))?;
    manifest
        .split("[workspace.package]")
        .nth(1)
        .and_then(|section| {
            section
                .lines()
                .find_map(|line| line.trim().strip_prefix("version = \""))
                .and_then(|rest| rest.split('"').next())
        })
        .map(str::to_owned)
        .ok_or_else(|| Error::Failed("no version in [workspace.package]".into()))
}

/// The `runtime` stage of the `Containerfile` with its `COPY --from` lines replaced by
/// one copy of the assembled root filesystem: the user, environment, ports and entry
/// point come from the one file.
pub fn runtime_stage(containerfile: &str) -> Result<String> {
    let stage = containerfile
        .split("\nFROM scratch AS runtime\n")
        .nth(1)
        .ok_or_else(|| Error::Failed("the Containerfile has no `FROM scratch AS runtime` stage".into()))?;
    let mut out = String::from("FROM scratch\nCOPY rootfs/ /\n");
    for line in stage.lines().filter(|line| !line.starts_with("COPY --from=")) {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

fn assemble(binary: &Path, version: &str) -> Result<PathBuf> {
    let root = cmd::root();
    let work = cmd::target_dir().join("image");
    let rootfs = work.join("rootfs");
    cmd::step("the runtime root filesystem from Debian packages (deploy/image/rootfs.sh)");
    fs::create_dir_all(&work).map_err(|e| Error::io("creating the image folder", e))?;
    cmd::status(
        Command::new("sh")
            .arg(root.join("deploy/image/rootfs.sh"))
            .arg(&rootfs),
    )?;
    let bin = rootfs.join("usr/local/bin");
    fs::create_dir_all(&bin).map_err(|e| Error::io("creating usr/local/bin", e))?;
    // Symbols stay in the build; the image gets the stripped program.
    cmd::status(
        Command::new("objcopy")
            .args(["--strip-debug", "--strip-unneeded"])
            .arg(binary)
            .arg(bin.join("parkway")),
    )?;
    let site = rootfs.join("usr/share/parkway/site");
    copy_tree(&root.join("target/site"), &site)?;
    let containerfile =
        fs::read_to_string(root.join("Containerfile")).map_err(|e| Error::io("reading Containerfile", e))?;
    fs::write(work.join("Containerfile.runtime"), runtime_stage(&containerfile)?)
        .map_err(|e| Error::io("writing the runtime Containerfile", e))?;
    let tag = format!("localhost/parkway:{version}");
    cmd::step(&format!("buildah bud → {tag}"));
    cmd::status(
        buildah()
            .args(["bud", "--isolation", "chroot", "--layers=false", "-f"])
            .arg(work.join("Containerfile.runtime"))
            .args(["-t", &tag])
            .arg(&work),
    )?;
    let archive = work.join(format!("parkway-{version}.oci.tar"));
    let _ = fs::remove_file(&archive);
    cmd::status(
        buildah()
            .arg("push")
            .arg(&tag)
            .arg(format!("oci-archive:{}:parkway:{version}", archive.display())),
    )?;
    Ok(archive)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Err(Error::Failed(format!(
            "{} is missing: the site was not built",
            from.display()
        )));
    }
    let _ = fs::remove_dir_all(to);
    fs::create_dir_all(to).map_err(|e| Error::io("creating the site folder", e))?;
    cmd::status(
        Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", from.display()))
            .arg(to),
    )
}

/// Opens the OCI archive as a registry client would: the image's user is not root, and
/// its entry point, run from the extracted root filesystem as that user, answers
/// `--version` with this version.
pub fn check(archive: &Path, version: &str) -> Result<()> {
    cmd::step("checking the image: its user, and `parkway --version` from its root filesystem");
    let out = archive.with_extension("check");
    let _ = fs::remove_dir_all(&out);
    let layout = out.join("layout");
    fs::create_dir_all(&layout).map_err(|e| Error::io("creating the check folder", e))?;
    cmd::status(Command::new("tar").arg("-xf").arg(archive).arg("-C").arg(&layout))?;
    let blob = |digest: &str| -> Result<String> {
        let path = layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        fs::read_to_string(&path).map_err(|e| Error::io(&format!("reading {}", path.display()), e))
    };
    let index =
        fs::read_to_string(layout.join("index.json")).map_err(|e| Error::io("reading index.json", e))?;
    let manifest = blob(
        &digests(&index)
            .first()
            .cloned()
            .ok_or_else(|| bad("index.json names no manifest"))?,
    )?;
    let (config_part, layers_part) = manifest
        .split_once("\"layers\"")
        .ok_or_else(|| bad("the manifest has no layers"))?;
    let config = blob(
        digests(config_part)
            .first()
            .ok_or_else(|| bad("the manifest names no config"))?,
    )?;
    let user =
        string_field(&config, "User").ok_or_else(|| bad("the image sets no user (it would run as root)"))?;
    let rootfs = out.join("rootfs");
    fs::create_dir_all(&rootfs).map_err(|e| Error::io("creating the rootfs folder", e))?;
    for layer in digests(layers_part) {
        let path = layout
            .join("blobs/sha256")
            .join(layer.trim_start_matches("sha256:"));
        cmd::status(Command::new("tar").arg("-xf").arg(&path).arg("-C").arg(&rootfs))?;
    }
    let (uid, gid) = resolve_user(&user, &rootfs)?;
    if uid == 0 {
        return Err(Error::Failed(format!("the image runs as root (User {user:?})")));
    }
    let entrypoint =
        string_array_field(&config, "Entrypoint").ok_or_else(|| bad("the image has no entry point"))?;
    let output = cmd::output(
        Command::new("chroot")
            .arg(format!("--userspec={uid}:{gid}"))
            .arg(&rootfs)
            .args(&entrypoint)
            .arg("--version")
            // Nothing of this machine's environment leaks into the check; PATH only
            // finds `chroot` itself (the entry point is an absolute path).
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
    )?;
    if !output.contains(version) {
        return Err(Error::Failed(format!(
            "`{} --version` printed {output:?}, not version {version}",
            entrypoint.join(" ")
        )));
    }
    println!(
        "image user {user} (uid {uid}); entry point {entrypoint:?} --version: {}",
        output.trim()
    );
    let _ = fs::remove_dir_all(&out);
    Ok(())
}

fn bad(what: &str) -> Error {
    Error::Failed(format!("the OCI archive is not as expected: {what}"))
}

/// Every `"digest":"sha256:…"` in a JSON text, in order.
fn digests(json: &str) -> Vec<String> {
    json.split("\"digest\"")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest
                .trim_start()
                .strip_prefix(':')?
                .trim_start()
                .strip_prefix('"')?;
            rest.split('"').next().map(str::to_owned)
        })
        .collect()
}

/// `"key":"value"` in a JSON text (the image config has no escapes in these fields).
fn string_field(json: &str, key: &str) -> Option<String> {
    let rest = json.split(&format!("\"{key}\"")).nth(1)?;
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    rest.split('"')
        .next()
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

/// `"key":["a","b"]` in a JSON text.
fn string_array_field(json: &str, key: &str) -> Option<Vec<String>> {
    let rest = json.split(&format!("\"{key}\"")).nth(1)?;
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('[')?;
    let items = rest.split(']').next()?;
    let values: Vec<String> = items
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|item| !item.is_empty())
        .collect();
    (!values.is_empty()).then_some(values)
}

/// `USER` as uid and gid: numbers, or names looked up in the image's own files.
fn resolve_user(user: &str, rootfs: &Path) -> Result<(u32, u32)> {
    let (name, group) = user.split_once(':').map_or((user, None), |(u, g)| (u, Some(g)));
    let lookup = |file: &str, name: &str| -> Result<u32> {
        if let Ok(id) = name.parse() {
            return Ok(id);
        }
        let text = fs::read_to_string(rootfs.join(file)).map_err(|e| Error::io(file, e))?;
        text.lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.first() == Some(&name))
                    .then(|| fields.get(2)?.parse().ok())
                    .flatten()
            })
            .ok_or_else(|| Error::Failed(format!("user {name} is not in the image's /{file}")))
    };
    let uid = lookup("etc/passwd", name)?;
    let gid = match group {
        Some(group) => lookup("etc/group", group)?,
        None => uid,
    };
    Ok((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTAINERFILE: &str = "FROM debian AS rootfs\nRUN x\n\nFROM scratch AS runtime\nCOPY --from=rootfs /rootfs/ /\nCOPY --from=build /a /b\nUSER 65532:65532\nENTRYPOINT [\"/usr/local/bin/parkway\"]\n";

    #[test]
    fn the_runtime_stage_copies_the_assembled_root_filesystem_instead_of_other_stages() {
        let stage = runtime_stage(CONTAINERFILE).expect("stage");
        assert_eq!(
            stage,
            "FROM scratch\nCOPY rootfs/ /\nUSER 65532:65532\nENTRYPOINT [\"/usr/local/bin/parkway\"]\n"
        );
        assert!(runtime_stage("FROM scratch\n").is_err());
    }

    #[test]
    fn the_repository_containerfile_has_a_non_root_runtime_stage() {
        let text = fs::read_to_string(cmd::root().join("Containerfile")).expect("Containerfile");
        let stage = runtime_stage(&text).expect("a runtime stage");
        assert!(stage.lines().any(|l| l == "USER 65532:65532"), "{stage}");
        assert!(
            stage.contains("ENTRYPOINT [\"/usr/local/bin/parkway\"]"),
            "{stage}"
        );
    }

    #[test]
    fn reads_the_fields_of_an_image_config() {
        let config = r#"{"architecture":"amd64","config":{"User":"65532:65532","Entrypoint":["/usr/local/bin/parkway"],"Env":["A=b"]},"rootfs":{"type":"layers","diff_ids":["sha256:aa"]}}"#;
        assert_eq!(string_field(config, "User").as_deref(), Some("65532:65532"));
        assert_eq!(
            string_array_field(config, "Entrypoint"),
            Some(vec!["/usr/local/bin/parkway".to_owned()])
        );
        assert_eq!(string_field(config, "Missing"), None);
        let manifest = r#"{"config":{"mediaType":"x","digest":"sha256:c1","size":1},"layers":[{"digest":"sha256:l1"},{"digest": "sha256:l2"}]}"#;
        assert_eq!(digests(manifest), ["sha256:c1", "sha256:l1", "sha256:l2"]);
    }
}
