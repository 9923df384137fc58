//! Device operations io_uring cannot carry: full-duplex SPI (SPI_IOC_MESSAGE) and I2C
//! transactions (I2C_RDWR) are blocking ioctls, so they run on a small worker pool, as the
//! kernel's io-wq runs blocking work. Each job signals an eventfd when done; the ring waits
//! on that eventfd with an ordinary read, so the job's completion arrives in the same
//! completion stream, in link order, and can be cancelled like any other operation. Terminal
//! settings (termios) do not block and are applied at submit.

use crate::ioring::ring::types::{I2cMessage, Parity, SpiSegment, TtyConfig};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc::{Sender, channel};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A finished job: the ioctl's result (>= 0 or -errno) and the bytes it read.
pub type JobResult = (i32, Vec<u8>);

/// The shared state of one device job, between the worker and the ring.
pub struct Job {
    /// Written by the worker when the ioctl returns; taken by the ring on completion.
    pub result: Mutex<Option<JobResult>>,
    /// Signalled by the worker; the ring's read of it completes the operation.
    pub done: OwnedFd,
    /// Set when the operation ended (cancelled, its ring dropped) before the worker took it
    /// up: the worker then skips the ioctl rather than drive the bus for nobody.
    cancelled: AtomicBool,
}

impl Job {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Most segments one SPI transfer may have: SPI_IOC_MESSAGE(n) encodes n * 32 bytes in the
/// ioctl number's 14-bit size field, so 512 segments would wrap to SPI_IOC_MESSAGE(0).
pub const MAX_SPI_SEGMENTS: usize = ((1 << 14) - 1) / size_of::<SpiIocTransfer>();

type Work = Box<dyn FnOnce() + Send>;

/// Worker threads for blocking device ioctls, shared by every ring of the host.
const WORKERS: usize = 2;

fn pool() -> &'static Mutex<Sender<Work>> {
    static POOL: OnceLock<Mutex<Sender<Work>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("ioring-dev-{i}"))
                .spawn(move || {
                    while let Ok(work) = rx.lock().map_err(drop).and_then(|r| r.recv().map_err(drop)) {
                        work();
                    }
                })
                .expect("spawn device worker");
        }
        Mutex::new(tx)
    })
}

/// Starts `ioctl` on the pool; returns the job whose eventfd the ring should read.
fn spawn(ioctl: impl FnOnce() -> JobResult + Send + 'static) -> std::io::Result<Arc<Job>> {
    // SAFETY: eventfd returns a new descriptor or -1.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is ours, just created.
    let job = Arc::new(Job { result: Mutex::new(None), done: unsafe { OwnedFd::from_raw_fd(fd) }, cancelled: AtomicBool::new(false) });
    let worker_job = Arc::clone(&job);
    let work: Work = Box::new(move || {
        let result = if worker_job.cancelled.load(Ordering::Relaxed) { (-libc::ECANCELED, Vec::new()) } else { ioctl() };
        *worker_job.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        let one: u64 = 1;
        // SAFETY: an 8-byte write of a counter increment to our eventfd.
        unsafe { libc::write(worker_job.done.as_raw_fd(), (&raw const one).cast(), 8) };
    });
    pool()
        .lock()
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EIO))?
        .send(work)
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EIO))?;
    Ok(job)
}

/// `struct spi_ioc_transfer` from <linux/spi/spidev.h>.
#[repr(C)]
#[derive(Default)]
struct SpiIocTransfer {
    tx_buf: u64,
    rx_buf: u64,
    len: u32,
    speed_hz: u32,
    delay_usecs: u16,
    bits_per_word: u8,
    cs_change: u8,
    tx_nbits: u8,
    rx_nbits: u8,
    word_delay_usecs: u8,
    pad: u8,
}

const _: () = assert!(size_of::<SpiIocTransfer>() == 32);
const _: () = assert!(MAX_SPI_SEGMENTS == 511);

/// SPI_IOC_MESSAGE(n): _IOW('k', 0, char[n * sizeof(struct spi_ioc_transfer)]).
fn spi_ioc_message(n: usize) -> libc::c_ulong {
    assert!((1..=MAX_SPI_SEGMENTS).contains(&n), "SPI_IOC_MESSAGE({n}) does not fit the ioctl number");
    const IOC_WRITE: libc::c_ulong = 1;
    (IOC_WRITE << 30) | (((n * size_of::<SpiIocTransfer>()) as libc::c_ulong) << 16) | ((b'k' as libc::c_ulong) << 8)
}

/// A full-duplex SPI transfer on `fd`; the result's bytes are every segment's received
/// bytes, concatenated.
pub fn spi_transfer(fd: Arc<OwnedFd>, segments: Vec<SpiSegment>) -> std::io::Result<Arc<Job>> {
    spawn(move || {
        let lens: Vec<usize> = segments.iter().map(|s| s.tx.len().max(s.rx_len as usize)).collect();
        let mut tx: Vec<Vec<u8>> = segments.iter().zip(&lens).map(|(s, &n)| {
            let mut b = s.tx.clone();
            b.resize(n, 0);
            b
        }).collect();
        let mut rx: Vec<Vec<u8>> = lens.iter().map(|&n| vec![0; n]).collect();
        let xfers: Vec<SpiIocTransfer> = segments
            .iter()
            .enumerate()
            .map(|(i, s)| SpiIocTransfer {
                tx_buf: tx[i].as_mut_ptr() as u64,
                rx_buf: if s.rx_len > 0 { rx[i].as_mut_ptr() as u64 } else { 0 },
                len: lens[i] as u32,
                speed_hz: s.speed_hz,
                delay_usecs: s.delay_us,
                bits_per_word: s.bits_per_word,
                cs_change: s.cs_change.into(),
                ..Default::default()
            })
            .collect();
        // SAFETY: `xfers` points into `tx` and `rx`, which outlive the call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), spi_ioc_message(xfers.len()), xfers.as_ptr()) };
        if r < 0 {
            return (-std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO), Vec::new());
        }
        let received: Vec<u8> = segments.iter().zip(rx).flat_map(|(s, b)| b.into_iter().take(s.rx_len as usize)).collect();
        (received.len() as i32, received)
    })
}

/// `struct i2c_msg` from <linux/i2c.h>.
#[repr(C)]
struct I2cMsg {
    addr: u16,
    flags: u16,
    len: u16,
    buf: *mut u8,
}

/// `struct i2c_rdwr_ioctl_data`.
#[repr(C)]
struct I2cRdwrData {
    msgs: *mut I2cMsg,
    nmsgs: u32,
}

const I2C_RDWR: libc::c_ulong = 0x0707;
const I2C_M_RD: u16 = 0x0001;
const I2C_M_TEN: u16 = 0x0010;

/// An I2C transaction on `fd`; the result's bytes are every read message's bytes, in order.
pub fn i2c_transfer(fd: Arc<OwnedFd>, messages: Vec<I2cMessage>) -> std::io::Result<Arc<Job>> {
    spawn(move || {
        let mut bufs: Vec<Vec<u8>> =
            messages.iter().map(|m| if m.read_len > 0 { vec![0; m.read_len as usize] } else { m.write.clone() }).collect();
        let mut msgs: Vec<I2cMsg> = messages
            .iter()
            .zip(bufs.iter_mut())
            .map(|(m, b)| I2cMsg {
                addr: m.address,
                flags: if m.read_len > 0 { I2C_M_RD } else { 0 } | if m.ten_bit { I2C_M_TEN } else { 0 },
                len: b.len() as u16,
                buf: b.as_mut_ptr(),
            })
            .collect();
        let mut data = I2cRdwrData { msgs: msgs.as_mut_ptr(), nmsgs: msgs.len() as u32 };
        // SAFETY: `data` points at `msgs`, which point into `bufs`; all outlive the call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), I2C_RDWR, &raw mut data) };
        if r < 0 {
            return (-std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO), Vec::new());
        }
        let read: Vec<u8> = messages.iter().zip(bufs).filter(|(m, _)| m.read_len > 0).flat_map(|(_, b)| b).collect();
        (read.len() as i32, read)
    })
}

/// Applies `config` to the terminal `fd` (termios); returns 0 or -errno.
pub fn tty_configure(fd: &OwnedFd, config: &TtyConfig) -> i32 {
    let speed = match config.baud {
        0 => None,
        50 => Some(libc::B50), 75 => Some(libc::B75), 110 => Some(libc::B110), 134 => Some(libc::B134),
        150 => Some(libc::B150), 200 => Some(libc::B200), 300 => Some(libc::B300), 600 => Some(libc::B600),
        1200 => Some(libc::B1200), 1800 => Some(libc::B1800), 2400 => Some(libc::B2400),
        4800 => Some(libc::B4800), 9600 => Some(libc::B9600), 19200 => Some(libc::B19200),
        38400 => Some(libc::B38400), 57600 => Some(libc::B57600), 115200 => Some(libc::B115200),
        230400 => Some(libc::B230400), 460800 => Some(libc::B460800), 500000 => Some(libc::B500000),
        921600 => Some(libc::B921600), 1000000 => Some(libc::B1000000), 2000000 => Some(libc::B2000000),
        4000000 => Some(libc::B4000000),
        _ => return -libc::EINVAL,
    };
    let size = match config.data_bits {
        5 => libc::CS5,
        6 => libc::CS6,
        7 => libc::CS7,
        8 => libc::CS8,
        _ => return -libc::EINVAL,
    };
    if !matches!(config.stop_bits, 1 | 2) {
        return -libc::EINVAL;
    }
    // SAFETY: termios is plain data, filled by tcgetattr before use.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid termios out parameter.
    if unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) } != 0 {
        return -std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
    }
    if config.raw {
        // SAFETY: `t` was filled by tcgetattr.
        unsafe { libc::cfmakeraw(&mut t) };
    }
    t.c_cflag = (t.c_cflag & !libc::CSIZE) | size | libc::CREAD | libc::CLOCAL;
    t.c_cflag &= !(libc::PARENB | libc::PARODD | libc::CSTOPB | libc::CRTSCTS);
    match config.parity {
        Parity::None => {}
        Parity::Even => t.c_cflag |= libc::PARENB,
        Parity::Odd => t.c_cflag |= libc::PARENB | libc::PARODD,
    }
    if config.stop_bits == 2 {
        t.c_cflag |= libc::CSTOPB;
    }
    if config.hardware_flow_control {
        t.c_cflag |= libc::CRTSCTS;
    }
    if let Some(speed) = speed {
        // SAFETY: `t` is a valid termios.
        unsafe { libc::cfsetspeed(&mut t, speed) };
    }
    // SAFETY: `t` is a valid termios.
    if unsafe { libc::tcsetattr(fd.as_raw_fd(), libc::TCSANOW, &t) } != 0 {
        return -std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
    }
    0
}
