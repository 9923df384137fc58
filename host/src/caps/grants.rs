//! What the host was told to give the guest: parsed from the command line, opened once at
//! start (so a bad grant fails before the guest runs), handed out by name through `grants.*`.

use crate::caps::net::{ListenSpec, RawAddr, Transport};
use anyhow::{Context, bail};
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
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

/// A `--device NAME=PATH` grant.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceSpec {
    pub name: String,
    pub path: PathBuf,
}

impl std::str::FromStr for DeviceSpec {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.split_once('=') {
            Some((name, path)) if !name.is_empty() && !path.is_empty() => {
                Ok(Self { name: name.to_owned(), path: path.into() })
            }
            _ => bail!("--device wants NAME=PATH, got `{s}`"),
        }
    }
}

/// The kinds of grant, each asked for by its own `grants.*` function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GrantKind {
    Directory { read_only: bool },
    /// A listening (or, `datagram`, bound udp) socket; a datagram one may reply to its peers.
    Listener { datagram: bool },
    Device,
}

/// One opened grant.
#[derive(Debug)]
pub struct Grant {
    pub kind: GrantKind,
    pub name: String,
    /// The host's own descriptor; the guest gets a duplicate, so closing its handle leaves
    /// the grant available to ask for again.
    pub fd: OwnedFd,
    /// The handle last given out for it and that handle's serial, to answer repeat asks with
    /// the same handle until the guest closes it.
    pub issued: Option<(u32, u64)>,
}

#[derive(Debug, Default)]
pub struct Grants {
    pub entries: Vec<Grant>,
}

impl Grants {
    /// Opens every grant now: directories, listening sockets (bound and listening), devices.
    pub fn open(dirs: &[DirSpec], listeners: &[ListenSpec], devices: &[DeviceSpec]) -> anyhow::Result<Self> {
        let mut grants = Grants::default();
        for spec in dirs {
            // O_RDONLY|O_DIRECTORY, not O_PATH: io_uring refuses to register O_PATH files.
            let file = File::options()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(&spec.host)
                .with_context(|| format!("--dir: cannot open directory `{}`", spec.host.display()))?;
            grants.add(GrantKind::Directory { read_only: spec.read_only }, &spec.guest, file.into())?;
        }
        for spec in listeners {
            let fd = listen(spec).with_context(|| format!("--listen {}: cannot listen", spec.name))?;
            grants.add(GrantKind::Listener { datagram: spec.transport == Transport::Udp }, &spec.name, fd)?;
        }
        for spec in devices {
            // Opened non-blocking so that a serial line without carrier does not hold the open,
            // then made blocking again: on an O_NONBLOCK file io_uring gives the guest EAGAIN
            // where it should wait.
            let file = File::options()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC | libc::O_NONBLOCK)
                .open(&spec.path)
                .with_context(|| format!("--device: cannot open `{}`", spec.path.display()))?;
            // SAFETY: F_GETFL/F_SETFL on a descriptor we hold.
            unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETFL, libc::fcntl(file.as_raw_fd(), libc::F_GETFL) & !libc::O_NONBLOCK) };
            if names_gpio_chip(&spec.path) {
                // A GPIO chip by its name: it must answer as one, or the grant is a mistake
                // better caught now than as `not-a-tty` on the guest's first request.
                if let Err(errno) = crate::gpio::chip_info(file.as_fd()) {
                    bail!(
                        "--device {}={}: not a GPIO chip (GPIO_GET_CHIPINFO_IOCTL: {})",
                        spec.name,
                        spec.path.display(),
                        std::io::Error::from_raw_os_error(errno)
                    );
                }
            }
            grants.add(GrantKind::Device, &spec.name, file.into())?;
        }
        Ok(grants)
    }

    fn add(&mut self, kind: GrantKind, name: &str, fd: OwnedFd) -> anyhow::Result<()> {
        if self.find(kind, name).is_some() {
            bail!("grant name `{name}` is given twice");
        }
        self.entries.push(Grant { kind, name: name.to_owned(), fd, issued: None });
        Ok(())
    }

    /// The index of the grant of `kind` (whatever its payload) named `name`.
    pub fn find(&self, kind: GrantKind, name: &str) -> Option<usize> {
        let same_kind = |k: GrantKind| std::mem::discriminant(&k) == std::mem::discriminant(&kind);
        self.entries.iter().position(|g| same_kind(g.kind) && g.name == name)
    }
}

/// Whether a device path names a GPIO chip (`gpiochipN`, as the kernel names them).
pub fn names_gpio_chip(path: &std::path::Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("gpiochip"))
}

/// A socket bound to the spec's address, listening when it is a stream socket.
fn listen(spec: &ListenSpec) -> std::io::Result<OwnedFd> {
    let addr = RawAddr::from_wit(&spec.addr).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let (domain, ty) = match (spec.transport, addr.storage.ss_family as i32) {
        (Transport::Unix, _) => (libc::AF_UNIX, libc::SOCK_STREAM),
        (Transport::Tcp, family) => (family, libc::SOCK_STREAM),
        (Transport::Udp, family) => (family, libc::SOCK_DGRAM),
    };
    // SAFETY: plain syscalls on a descriptor we create and own.
    unsafe {
        let fd = libc::socket(domain, ty | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let fd = OwnedFd::from_raw_fd(fd);
        let one: libc::c_int = 1;
        if domain != libc::AF_UNIX {
            libc::setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, (&raw const one).cast(), 4);
        }
        if libc::bind(fd.as_raw_fd(), addr.as_ptr(), addr.len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if ty == libc::SOCK_STREAM && libc::listen(fd.as_raw_fd(), 128) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(fd)
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
    fn device_spec_wants_name_and_path() {
        assert!("tty=/dev/null".parse::<DeviceSpec>().is_ok());
        assert!("=/dev/null".parse::<DeviceSpec>().is_err());
        assert!("tty".parse::<DeviceSpec>().is_err());
    }

    #[test]
    fn open_rejects_a_file_as_directory_and_a_duplicate_name() {
        let file: DirSpec = "/dev/null::f".parse().unwrap();
        assert!(Grants::open(&[file], &[], &[]).is_err());
        let a: DirSpec = "/tmp::same".parse().unwrap();
        assert!(Grants::open(&[a.clone(), a], &[], &[]).is_err());
    }

    #[test]
    fn device_grants_are_left_blocking_for_io_uring_to_wait_on() {
        let spec: DeviceSpec = "null=/dev/null".parse().unwrap();
        let grants = Grants::open(&[], &[], &[spec]).unwrap();
        let i = grants.find(GrantKind::Device, "null").unwrap();
        // SAFETY: F_GETFL on a descriptor we hold.
        let flags = unsafe { libc::fcntl(grants.entries[i].fd.as_raw_fd(), libc::F_GETFL) };
        assert_eq!(flags & libc::O_NONBLOCK, 0);
    }

    #[test]
    fn a_device_named_as_a_gpio_chip_must_be_one() {
        // This kernel has no GPIO chips: a node named gpiochip0 that is something else (here
        // a link to /dev/null) is refused at start, naming the ioctl's answer.
        let dir = std::env::temp_dir().join(format!("ioring-gpio-grant-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("gpiochip0");
        let _ = std::fs::remove_file(&fake);
        std::os::unix::fs::symlink("/dev/null", &fake).unwrap();
        let spec: DeviceSpec = format!("chip={}", fake.display()).parse().unwrap();
        let err = Grants::open(&[], &[], &[spec]).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).ok();
        assert!(err.contains("not a GPIO chip (GPIO_GET_CHIPINFO_IOCTL: Inappropriate ioctl for device"), "{err}");
        // Any other name is taken as it always was (a tty, spidev, i2c-dev).
        let spec: DeviceSpec = "null=/dev/null".parse().unwrap();
        assert!(Grants::open(&[], &[], &[spec]).is_ok());
        assert!(names_gpio_chip(std::path::Path::new("/dev/gpiochip12")));
        assert!(!names_gpio_chip(std::path::Path::new("/dev/ttyS0")));
    }

    #[test]
    fn listener_grants_are_bound_and_listening() {
        let spec: ListenSpec = "echo=tcp:127.0.0.1:0".parse().unwrap();
        let grants = Grants::open(&[], &[spec], &[]).unwrap();
        let i = grants.find(GrantKind::Listener { datagram: false }, "echo").unwrap();
        let fd = grants.entries[i].fd.as_raw_fd();
        let mut v: libc::c_int = 0;
        let mut len = 4;
        // SAFETY: an int-sized out parameter for SO_ACCEPTCONN.
        unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN, (&raw mut v).cast(), &mut len) };
        assert_eq!(v, 1);
        assert!(grants.find(GrantKind::Device, "echo").is_none(), "kinds are separate namespaces");
    }
}
