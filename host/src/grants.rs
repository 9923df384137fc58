//! What the host was told to give the guest: parsed from the command line, opened once at
//! start, handed out by name through `grants.*`.

use anyhow::{Context, bail};
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// A `--dir HOST::GUEST[:ro]` grant.
#[derive(Clone, Debug, PartialEq)]
pub struct DirSpec {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl std::str::FromStr for DirSpec {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let (host, rest) = s
            .split_once("::")
            .with_context(|| format!("--dir wants HOST::GUEST[:ro], got `{s}`"))?;
        let (guest, read_only) = match rest.strip_suffix(":ro") {
            Some(g) => (g, true),
            None => (rest, false),
        };
        if host.is_empty() || guest.is_empty() {
            bail!("--dir wants HOST::GUEST[:ro], got `{s}`");
        }
        Ok(Self { host: host.into(), guest: guest.to_owned(), read_only })
    }
}

/// An opened directory grant.
#[derive(Debug)]
pub struct DirGrant {
    pub spec: DirSpec,
    /// Opened O_RDONLY|O_DIRECTORY (not O_PATH, which io_uring refuses to register).
    pub fd: OwnedFd,
    /// The handle last given out for it and that handle's serial, to answer repeat asks with
    /// the same handle until the guest closes it.
    pub issued: Option<(u32, u64)>,
}

#[derive(Debug, Default)]
pub struct Grants {
    pub dirs: Vec<DirGrant>,
}

impl Grants {
    /// Opens every granted directory now, so a bad grant fails before the guest starts.
    pub fn open(dirs: &[DirSpec]) -> anyhow::Result<Self> {
        let mut grants = Grants::default();
        for spec in dirs {
            if grants.dirs.iter().any(|d| d.spec.guest == spec.guest) {
                bail!("--dir: guest name `{}` is granted twice", spec.guest);
            }
            let file = File::options()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(&spec.host)
                .with_context(|| format!("--dir: cannot open directory `{}`", spec.host.display()))?;
            grants.dirs.push(DirGrant { spec: spec.clone(), fd: file.into(), issued: None });
        }
        Ok(grants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_spec_parses_host_guest_and_read_only() {
        let d: DirSpec = "/tmp/x::data:ro".parse().unwrap();
        assert_eq!(d, DirSpec { host: "/tmp/x".into(), guest: "data".into(), read_only: true });
        let d: DirSpec = "/tmp/x::data".parse().unwrap();
        assert!(!d.read_only);
    }

    #[test]
    fn dir_spec_rejects_missing_parts() {
        assert!("/tmp/x".parse::<DirSpec>().is_err());
        assert!("::data".parse::<DirSpec>().is_err());
        assert!("/tmp::".parse::<DirSpec>().is_err());
    }

    #[test]
    fn open_rejects_a_file_and_a_duplicate_name() {
        let file: DirSpec = "/dev/null::f".parse().unwrap();
        assert!(Grants::open(&[file]).is_err());
        let a: DirSpec = "/tmp::same".parse().unwrap();
        assert!(Grants::open(&[a.clone(), a]).is_err());
    }
}
